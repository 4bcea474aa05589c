/** Builds the dependency graph from configuration; shared by `main.ts` and the tests. */
import type { Config } from "./platform/config.ts";
import { type Clock, type Ids, systemClock, ulidSource } from "./shared/ids.ts";
import { type Mailer, outboxMailer, smtpMailer } from "./platform/mail.ts";
import { oidcClient } from "./platform/oidc.ts";
import type { ChatId, OrgId } from "./shared/ids.ts";
import { ActorHost } from "./actors/host.ts";
import { OrgActor } from "./actors/org_actor.ts";
import { ChatActor } from "./actors/chat_actor.ts";
import { Gateway } from "./actors/gateway.ts";
import { BroadcastBus, type Bus } from "./actors/bus.ts";
import { EffectRunner } from "./effects/runner.ts";
import { effectHandlers } from "./effects/handlers.ts";
import { ChatService } from "./services/chats.ts";
import { IdentityService } from "./services/identity.ts";
import { ApplicationService } from "./services/applications.ts";
import { ModerationService } from "./services/moderation.ts";
import { SchoolService } from "./services/school.ts";
import { InviteService } from "./services/invites.ts";
import { FileService } from "./services/files.ts";
import { CallService } from "./services/calls.ts";
import { NotificationService } from "./services/notifications.ts";
import { NoSubscriptions } from "./domain/push.ts";
import type { Deps } from "./routes/context.ts";
import { ImageProcessor } from "./platform/image.ts";
import { UploadGate } from "./platform/upload_gate.ts";
import { startFileSweeper } from "./domain/file_sweeper.ts";

export interface WiringOptions {
  clock?: Clock;
  ids?: Ids;
  mailer?: Mailer;
  /** Defaults to the BroadcastChannel bus joining `deno serve --parallel` workers. */
  bus?: Bus;
}

/** Everything the app needs, built once per isolate. */
export function createDeps(config: Config, kv: Deno.Kv, options: WiringOptions = {}): Deps {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? ulidSource(clock);
  const mailer = options.mailer ??
    (config.smtp
      ? smtpMailer(config.smtp, new URL(config.appOrigin).hostname)
      : outboxMailer(kv, clock, ids));
  const bus = options.bus ?? new BroadcastBus();
  // The gateway and the chat actors refer to each other: actors publish through the gateway,
  // the gateway tells actors of events committed on other isolates.
  const gateway = new Gateway({
    kv,
    clock,
    bus,
    onRemoteEvents: (chatId, events) => chats.peek(chatId)?.observe(events),
  });
  const publish = (chatId: ChatId, events: Parameters<Gateway["publishEvents"]>[1]) =>
    gateway.publishEvents(chatId, events);
  const chats: ActorHost<ChatActor> = new ActorHost(
    (address) =>
      new ChatActor(address as ChatId, {
        kv,
        clock,
        ids,
        publish,
        onEffects: () => effects.poke(),
      }),
    { clock },
  );
  const unsubscribed = new NoSubscriptions();
  const effects: EffectRunner = new EffectRunner({
    kv,
    clock,
    handlers: effectHandlers({
      kv,
      clock,
      ids,
      push: config.push,
      unsubscribed,
      appOrigin: config.appOrigin,
      chats,
      gateway,
      mailer,
      livekit: config.livekit,
    }),
  });

  const orgs = new ActorHost(
    (address) =>
      new OrgActor(address as OrgId, {
        kv,
        clock,
        ids,
        publish,
        onEffects: (done) => effects.runNow(done),
      }),
    { clock },
  );
  const oidc = config.oidc
    ? oidcClient(config.oidc, `${config.appOrigin}/api/v1/auth/oidc/callback`, kv, clock)
    : null;
  const files = {
    images: new ImageProcessor(),
    gate: new UploadGate(),
    sweeper: startFileSweeper(kv, clock),
  };
  const services = {
    identity: new IdentityService({ kv, clock, ids, mailer, config, oidc, gateway }),
    applications: new ApplicationService({ kv, clock, ids, config, effects }),
    chats: new ChatService({ kv, clock, ids, chats, orgs, gateway, appOrigin: config.appOrigin }),
    school: new SchoolService({ kv, clock, ids, orgs, appOrigin: config.appOrigin }),
    invites: new InviteService({ kv, clock, orgs, chats }),
    moderation: new ModerationService({ kv }),
    files: new FileService({ kv, clock, ids, config, files }),
    calls: new CallService({ kv, clock, ids, config, chats, effects }),
    notifications: new NotificationService({ kv, clock, ids, push: config.push, unsubscribed }),
  };
  effects.start();
  return {
    config,
    kv,
    clock,
    ids,
    mailer,
    orgs,
    chats,
    gateway,
    bus,
    oidc,
    files,
    effects,
    services,
  };
}

/** Lets queued actor work finish, closes sockets, and releases connections. */
export async function stopDeps(deps: Deps): Promise<void> {
  deps.gateway.close();
  await deps.effects.stop();
  await Promise.all([deps.orgs.stop(), deps.chats.stop(), deps.files.sweeper.stop()]);
  deps.bus.close();
  deps.mailer.close();
}
