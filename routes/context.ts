/** What every route gets: the wired dependencies and the per-request variables. */
import type { Context } from "hono";
import type { Config } from "../platform/config.ts";
import type { Clock, Ids } from "../shared/ids.ts";
import type { Mailer } from "../platform/mail.ts";
import type { User } from "../shared/model.ts";
import type { ActorHost } from "../actors/host.ts";
import type { OrgActor } from "../actors/org_actor.ts";
import type { ChatActor } from "../actors/chat_actor.ts";
import type { Gateway } from "../actors/gateway.ts";
import type { Bus } from "../actors/bus.ts";
import type { OidcClient } from "../platform/oidc.ts";
import type { FileServices } from "../domain/uploads.ts";
import type { EffectRunner } from "../effects/runner.ts";
import type { ChatService } from "../services/chats.ts";
import type { IdentityService } from "../services/identity.ts";
import type { ApplicationService } from "../services/applications.ts";
import type { ModerationService } from "../services/moderation.ts";
import type { SchoolService } from "../services/school.ts";
import type { InviteService } from "../services/invites.ts";
import type { FileService } from "../services/files.ts";
import type { CallService } from "../services/calls.ts";
import type { NotificationService } from "../services/notifications.ts";
import { unauthenticated } from "../shared/errors.ts";

export interface Deps {
  config: Config;
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  mailer: Mailer;
  orgs: ActorHost<OrgActor>;
  chats: ActorHost<ChatActor>;
  gateway: Gateway;
  bus: Bus;
  oidc: OidcClient | null;
  /** This isolate's image queue, upload gate and file sweeper. */
  files: FileServices;
  /** This isolate's runner of the outbox (effects written with commits). */
  effects: EffectRunner;
  /** Each domain's way in; adapters call these. */
  services: Services;
}

export interface Services {
  identity: IdentityService;
  applications: ApplicationService;
  chats: ChatService;
  school: SchoolService;
  invites: InviteService;
  moderation: ModerationService;
  files: FileService;
  calls: CallService;
  notifications: NotificationService;
}

export interface AppEnv {
  Bindings: { remoteAddr?: Deno.Addr };
  Variables: {
    user: User | null;
    /** The session token the request carried, if any (cookie or bearer). */
    token: string | null;
    authBy: "cookie" | "bearer" | null;
  };
}

export type Ctx = Context<AppEnv>;

/** The signed-in user, or 401. */
export function requireUser(c: Ctx): User {
  const user = c.get("user");
  if (!user) throw unauthenticated();
  return user;
}
