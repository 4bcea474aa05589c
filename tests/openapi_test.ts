/**
 * The OpenAPI document (GET /api/v1/openapi.json) describes every route the API has, and only
 * those, with its path parameters, request body and the error shape; third-party clients and API
 * fuzzers rely on it; the answers and socket frames the suite receives are held to it.
 */
import assert from "node:assert/strict";
import { call, testApp } from "./helpers.ts";
import { checkAnswer } from "./contract.ts";
import { frameProblem } from "./ws_client.ts";
import { apiRoutes } from "../routes/app.ts";
import { Validator } from "openapi-schema-validator";

interface Document {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, unknown> };
}
interface OperationObject {
  operationId: string;
  summary: string;
  parameters: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: { type?: string; properties?: object } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

Deno.test("the OpenAPI document names every route the API has, and no other", async () => {
  await using t = await testApp();
  const res = await t.fetch("/api/v1/openapi.json");
  assert.equal(res.status, 200);
  const doc = await res.json() as Document;
  assert.equal(doc.openapi, "3.1.0");
  // Checked against the OpenAPI 3.1 schema itself, as a client generator would read it.
  const checked = await new Validator().validate(doc as unknown as Record<string, unknown>);
  assert.deepEqual(checked, { valid: true });
  const described = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)
    ),
  );
  const routes = new Set(
    apiRoutes(t.deps).routes.filter((r) => r.method !== "ALL").map((r) =>
      `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`
    ),
  );
  assert.deepEqual(
    [...routes].filter((r) => !described.has(r)),
    [],
    "routes without a description",
  );
  assert.deepEqual(
    [...described].filter((r) => !routes.has(r)),
    [],
    "descriptions without a route",
  );
});

Deno.test("each operation declares its path parameters, its JSON body and the error shape", async () => {
  await using t = await testApp();
  const doc = await (await t.fetch("/api/v1/openapi.json")).json() as Document;
  assert.ok(doc.components.schemas.Error);
  const ids = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    const inPath = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(op.summary, `${where} has a summary`);
      assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} is unique`);
      ids.add(op.operationId);
      const declared = op.parameters.filter((p) => p.in === "path").map((p) => p.name);
      assert.deepEqual(declared, inPath, `${where} declares its path parameters`);
      assert.equal(
        op.responses["4XX"]?.content?.["application/json"]?.schema.$ref,
        "#/components/schemas/Error",
        `${where} answers errors in the API's shape`,
      );
    }
  }
  // A body comes from the schema the route parses with: the send route names its fields.
  const send = doc.paths["/chats/{chatId}/messages"]!.post!;
  const schema = send.requestBody!.content["application/json"]!.schema!;
  assert.equal(schema.type, "object");
  assert.deepEqual(Object.keys(schema.properties!).sort(), [
    "clientId",
    "fileIds",
    "mentionAll",
    "mentions",
    "needsAck",
    "replyToSeq",
    "text",
  ]);
});

Deno.test("a body the document describes is the one the route accepts", async () => {
  await using t = await testApp();
  const doc = await (await t.fetch("/api/v1/openapi.json")).json() as Document;
  const code = doc.paths["/auth/code"]!.post!.requestBody!.content["application/json"]!.schema!;
  assert.deepEqual(Object.keys(code.properties!), ["email"]);
  const res = await call(t, "POST", "/auth/code", null, { email: "anna@school.test" });
  assert.equal(res.status, 202, "the described body is accepted");
  await res.body?.cancel();
});

Deno.test("every answer with a body names its schema, and every schema it names is there", async () => {
  await using t = await testApp();
  const doc = await (await t.fetch("/api/v1/openapi.json")).json() as Document;
  const refs = new Set(JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g));
  for (const ref of refs) {
    assert.ok(doc.components.schemas[ref.split("/").at(-1)!], `${ref} is in the document`);
  }
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, answer] of Object.entries(op.responses)) {
        if (!/^2\d\d$/.test(status) || status === "204") continue;
        assert.ok(
          answer.content,
          `${method.toUpperCase()} ${path} → ${status} says what it answers`,
        );
      }
    }
  }
  // The send answer's message is the shared Message schema, seq and all.
  const sent = doc.paths["/chats/{chatId}/messages"]!.post!.responses["201"]!;
  const body = sent.content!["application/json"]!.schema as { properties: object };
  assert.deepEqual(body.properties, { message: { $ref: "#/components/schemas/Message" } });
  const message = doc.components.schemas.Message as { required: string[] };
  assert.ok(message.required.includes("seq") && message.required.includes("clientId"));
});

Deno.test("the test app refuses an answer the document does not describe", async () => {
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json" },
    });
  const providers = "/api/v1/auth/providers";
  await checkAnswer("GET", providers, json(200, { oidc: false }));
  await assert.rejects(
    checkAnswer("GET", providers, json(200, { oidc: false, secret: 1 })),
    /fields the document does not name/,
  );
  await assert.rejects(
    checkAnswer("GET", providers, json(200, { oidc: "no" })),
    /does not match the published document/,
  );
  await assert.rejects(checkAnswer("GET", providers, json(201, { oidc: false })), /status/);
  await assert.rejects(checkAnswer("GET", "/api/v1/nowhere", json(200, {})), /no such route/);
  // Refusals are the error shape's business, checked where they are made.
  await checkAnswer("GET", providers, json(404, { error: { code: "not_found", message: "x" } }));
});

Deno.test("the tests' socket client refuses a frame the wire schema does not describe", () => {
  const U = "01M1DRV4R0FNAMYJ9NKTJ98SS9";
  assert.equal(frameProblem({ type: "presence", userId: U, online: true }), null);
  assert.match(frameProblem({ type: "presence", userId: U, online: "yes" })!, /online/);
  assert.match(
    frameProblem({ type: "presence", userId: U, online: true, email: "a@b" })!,
    /does not name/,
  );
  assert.match(frameProblem({ type: "telepathy" })!, /type/);
});
