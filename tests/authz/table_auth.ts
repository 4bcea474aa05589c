/**
 * Expectations for sign-in, the caller's own profile and lists, and school applications (the
 * operator's). These work on no school's resource: they run once per caller.
 */
import { createECDH, randomBytes } from "node:crypto";
import type { OrgId, UserId } from "../../shared/ids.ts";
import { getMember } from "../../domain/orgs.ts";
import * as policy from "../../shared/policy.ts";
import { lastCode } from "../helpers.ts";
import type { Spec, X } from "./matrix.ts";
import { must, unique } from "./client.ts";

const PUBLIC = { access: "public", scoped: false } as const;

/** A subscription as a browser on Google's push service would send it (keys made here). */
function browserSubscription() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    endpoint: `https://fcm.googleapis.com/fcm/send/${unique("device")}`,
    expirationTime: null,
    keys: {
      p256dh: ecdh.getPublicKey().toString("base64url"),
      auth: randomBytes(16).toString("base64url"),
    },
  };
}
const SIGNED_IN = { scoped: false } as const;

/** Checks that every chat listed belongs to a school the caller is a member of now. */
async function ownChatsOnly(x: X) {
  const mine = new Set<string>();
  for (const s of [x.w.a, x.w.b]) {
    if (x.me && await getMember(x.w.t.kv, s.orgId as OrgId, x.me.id as UserId)) mine.add(s.orgId);
  }
  return (body: unknown) => {
    const chats = (body as { chats: { orgId: string }[] }).chats;
    const leaked = chats.filter((c) => !mine.has(c.orgId));
    return leaked.length ? `lists ${leaked.length} chats of a school the caller is not in` : null;
  };
}

export const authSpecs: Spec[] = [
  {
    route: "POST /api/v1/auth/code",
    rule: "public (API.md: sign-in)",
    ...PUBLIC,
    build: () =>
      Promise.resolve({
        path: "/auth/code",
        body: { email: `${unique("code")}@school.test` },
        expect: "2xx",
      }),
  },
  {
    route: "POST /api/v1/auth/verify",
    rule: "public; a caller's own session is rotated, so a spare session is sent",
    ...PUBLIC,
    as: "session",
    async build(x) {
      const email = `${unique("verify")}@school.test`;
      await must(x.w.t, "POST", "/auth/code", null, { email });
      return {
        path: "/auth/verify",
        body: { email, code: await lastCode(x.w.t, email) },
        expect: "2xx",
      };
    },
  },
  {
    route: "POST /api/v1/auth/logout",
    rule: "public; ends the session sent (a spare one)",
    ...PUBLIC,
    as: "session",
    build: () => Promise.resolve({ path: "/auth/logout", expect: "2xx" }),
  },
  {
    route: "GET /api/v1/auth/providers",
    rule: "public (docs/api.md)",
    ...PUBLIC,
    build: () => Promise.resolve({ path: "/auth/providers", expect: "2xx" }),
  },
  {
    route: "GET /api/v1/openapi.json",
    rule: "public: the API's description (docs/api.md)",
    ...PUBLIC,
    build: () => Promise.resolve({ path: "/openapi.json", expect: "2xx" }),
  },
  {
    route: "GET /api/v1/auth/oidc/start",
    rule: "public; 404 when SSO is not configured (docs/api.md), as here",
    ...PUBLIC,
    build: () => Promise.resolve({ path: "/auth/oidc/start", expect: 404 }),
  },
  {
    route: "GET /api/v1/auth/oidc/callback",
    rule: "public; 404 when SSO is not configured (docs/api.md), as here",
    ...PUBLIC,
    build: () => Promise.resolve({ path: "/auth/oidc/callback?state=s&code=c", expect: 404 }),
  },
  {
    route: "GET /api/v1/me",
    rule: "any signed-in user",
    ...SIGNED_IN,
    build: (x) =>
      Promise.resolve({
        path: "/me",
        expect: "2xx",
        verify: (body) =>
          (body as { user: { id: string } }).user.id === x.me?.id ? null : "another user's profile",
      }),
  },
  {
    route: "PATCH /api/v1/me",
    rule: "any signed-in user",
    ...SIGNED_IN,
    build: () => Promise.resolve({ path: "/me", body: { locale: "ru" }, expect: "2xx" }),
  },
  {
    route: "GET /api/v1/dev/outbox",
    rule: "public while DEV_OUTBOX=1 (API.md), as in tests",
    ...PUBLIC,
    build: () => Promise.resolve({ path: "/dev/outbox?to=nobody@school.test", expect: "2xx" }),
  },
  {
    route: "GET /api/v1/me/lessons",
    rule: "any signed-in user; lists only lessons of chats they may read (canReadChat)",
    ...SIGNED_IN,
    build: (x) =>
      Promise.resolve({
        path: "/me/lessons",
        expect: "2xx",
        async verify(body) {
          const lessons = (body as { lessons: { chatId: string }[] }).lessons;
          const hidden = [];
          for (const l of lessons) {
            if (policy.canReadChat(await x.chat(l.chatId)) !== "allow") hidden.push(l.chatId);
          }
          return hidden.length ? `lists lessons of ${hidden.length} chats it may not read` : null;
        },
      }),
  },
  {
    route: "GET /api/v1/chats",
    rule: "any signed-in user; lists only chats of schools they belong to",
    ...SIGNED_IN,
    build: async (x) => ({ path: "/chats", expect: "2xx", verify: await ownChatsOnly(x) }),
  },

  // ── Notifications (the caller's own browsers) ─────────────────────────────────────────
  {
    route: "GET /api/v1/push/vapid-public-key",
    rule: "public (docs/api.md: notifications)",
    ...PUBLIC,
    build: () => Promise.resolve({ path: "/push/vapid-public-key", expect: "2xx" }),
  },
  {
    route: "POST /api/v1/push-subscriptions",
    rule: "any signed-in user, for their own session",
    ...SIGNED_IN,
    build: (x) =>
      Promise.resolve({
        path: "/push-subscriptions",
        body: browserSubscription(),
        expect: "2xx",
        // Gone again at once, so nothing is ever pushed to a real push service from here.
        async verify(body) {
          const id = (body as { subscription: { id: string } }).subscription.id;
          await must(x.w.t, "DELETE", `/push-subscriptions/${id}`, x.me!.token);
          return null;
        },
      }),
  },
  {
    route: "GET /api/v1/push-subscriptions",
    rule: "any signed-in user; lists their own only",
    ...SIGNED_IN,
    build: () => Promise.resolve({ path: "/push-subscriptions", expect: "2xx" }),
  },
  {
    route: "DELETE /api/v1/push-subscriptions/:id",
    rule: "any signed-in user, their own subscription (another's: 404, tests/push_test.ts)",
    ...SIGNED_IN,
    build: async (x) => {
      if (!x.me) return { path: "/push-subscriptions/01ARZ3NDEKTSV4RRFFQ69G5FAV", expect: 401 };
      const made = await must<{ subscription: { id: string } }>(
        x.w.t,
        "POST",
        "/push-subscriptions",
        x.me.token,
        browserSubscription(),
      );
      return { path: `/push-subscriptions/${made.subscription.id}`, expect: "2xx" };
    },
  },

  // ── Applications (operator) ───────────────────────────────────────────────────────────
  {
    route: "POST /api/v1/org-applications",
    rule: "public (API.md)",
    ...PUBLIC,
    build: () =>
      Promise.resolve({
        path: "/org-applications",
        body: {
          schoolName: unique("Школа"),
          region: "Тверь",
          adminName: "Иван Иванович",
          adminEmail: `${unique("apply")}@school.test`,
          adminPhone: "+7 900 765-43-21",
        },
        expect: "2xx",
      }),
  },
  {
    route: "GET /api/v1/org-applications",
    rule: "operator only; others 404, signed-out 401 (docs/api.md)",
    access: "operator",
    scoped: false,
    build: () => Promise.resolve({ path: "/org-applications?status=pending", expect: "2xx" }),
  },
  {
    route: "POST /api/v1/org-applications/:id/approve",
    rule: "operator only (fresh application each time)",
    access: "operator",
    scoped: false,
    build: async (x) => ({
      path: `/org-applications/${await x.w.application()}/approve`,
      expect: "2xx",
    }),
  },
  {
    route: "POST /api/v1/org-applications/:id/reject",
    rule: "operator only (fresh application each time)",
    access: "operator",
    scoped: false,
    build: async (x) => ({
      path: `/org-applications/${await x.w.application()}/reject`,
      body: { reason: "Нет лицензии" },
      expect: "2xx",
    }),
  },
];
