/**
 * The API's answers held to its OpenAPI document: the test app runs every successful answer
 * under /api/v1 through `checkAnswer`, so a route that answers with a field, status or shape
 * its entry in routes/api/openapi.ts does not describe fails the test that made the call.
 * Each answer is checked twice: against the published document's JSON Schema (with Ajv, as a
 * third-party client would read it), and against the zod schema it was made from, which also
 * finds fields the document does not name.
 */
import { isDeepStrictEqual } from "node:util";
import type { z } from "zod";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { openApiDocument, type Operation, OPERATIONS } from "../routes/api/openapi.ts";
import type { serverFrameSchema } from "../shared/api_schema.ts";
import type { ServerFrame } from "../shared/wire.ts";

const document = openApiDocument("http://parta.test");
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

/** The published JSON Schema of `op`'s answer with `status`, compiled once. */
function publishedSchema(op: Operation, status: number): ValidateFunction {
  const key = `${op.method} ${op.path} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    const path = op.path.replace(/:([A-Za-z]+)/g, "{$1}");
    // deno-lint-ignore no-explicit-any
    const entry = (document.paths[path] as any)[op.method];
    const schema = entry.responses[status].content["application/json"].schema;
    validate = ajv.compile({ ...schema, components: document.components });
    validators.set(key, validate);
  }
  return validate;
}

const routes = OPERATIONS.map((op) => ({
  op,
  pattern: new RegExp(
    `^/api/v1${op.path.replaceAll(".", "\\.").replace(/:[A-Za-z]+/g, "[^/]+")}$`,
  ),
}));

function operationFor(method: string, path: string): Operation | undefined {
  const m = method.toLowerCase();
  return routes.find((r) => r.op.method === m && r.pattern.test(path))?.op;
}

/**
 * Throws when `res`, the answer to `method url`, is a success the document does not describe:
 * an unknown route or status, a body of another shape, or a field the schema does not name.
 */
export async function checkAnswer(method: string, url: string, res: Response): Promise<void> {
  const path = new URL(url, "http://parta.test").pathname;
  if (!path.startsWith("/api/v1/") || res.status >= 300 || method === "HEAD") return;
  const where = `${method} ${path} → ${res.status}`;
  const op = operationFor(method, path);
  if (!op) throw new Error(`${where}: the OpenAPI document has no such route`);
  const reply = op.ok[res.status];
  if (reply === undefined) throw new Error(`${where}: the document does not list this status`);
  const text = await res.clone().text();
  if (typeof reply === "string") {
    if (text !== "") throw new Error(`${where}: the document says there is no body`);
    return;
  }
  const [, body] = reply;
  if (typeof body === "string") {
    const type = res.headers.get("content-type") ?? "";
    if (
      body === "application/json" ? !type.startsWith(body) : type.startsWith("application/json")
    ) {
      throw new Error(`${where}: answered ${type}, the document says ${body}`);
    }
    return;
  }
  const value = JSON.parse(text);
  const published = publishedSchema(op, res.status);
  if (!published(value)) {
    throw new Error(
      `${where}: the answer does not match the published document: ${
        ajv.errorsText(published.errors)
      }`,
    );
  }
  const parsed = (body as z.ZodType).safeParse(value);
  if (!parsed.success) {
    throw new Error(`${where}: the answer is not what the document says: ${parsed.error.message}`);
  }
  // The schemas strip fields they do not name: anything stripped is undocumented.
  if (!isDeepStrictEqual(parsed.data, value)) {
    throw new Error(
      `${where}: the answer has fields the document does not name:\n${
        JSON.stringify(value).slice(0, 2000)
      }`,
    );
  }
}

/** At compile time: every frame the server's types allow is one the wire schema describes. */
type Fits<T extends U, U> = T;
export type FramesFit = Fits<ServerFrame, z.output<typeof serverFrameSchema>>;
