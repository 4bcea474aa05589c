/** Builds the dependency graph from configuration; shared by `main.ts` and the tests. */
import type { Config } from "../lib/config.ts";
import { type Clock, type Ids, systemClock, ulidSource } from "../lib/ids.ts";
import { type Mailer, outboxMailer, smtpMailer } from "../lib/mail.ts";
import { oidcClient } from "../lib/oidc.ts";
import type { ChatId, OrgId, UserId } from "../lib/ids.ts";
import { listChatIdsOfUser } from "../lib/chats.ts";
import { keys } from "../lib/kv_keys.ts";
import { getManyChunked } from "../lib/kv_util.ts";
import type { Chat } from "../lib/chat_model.ts";
import { ActorHost } from "../actors/host.ts";
import { OrgActor } from "../actors/org_actor.ts";
import { ChatActor } from "../actors/chat_actor.ts";
import { Gateway } from "../actors/gateway.ts";
import { BroadcastBus, type Bus } from "../actors/bus.ts";
import { unwrap } from "../actors/mailbox.ts";
import type { Deps } from "./context.ts";
import { ImageProcessor } from "../lib/image.ts";
import { UploadGate } from "../lib/upload_gate.ts";
import { startFileSweeper } from "../lib/file_sweeper.ts";

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
    (address) => new ChatActor(address as ChatId, { kv, clock, ids, publish }),
    { clock },
  );

  /**
   * A member who left the school stops hearing its chats on every open socket at once, then
   * leaves each of them as a logged event.
   */
  async function leaveSchoolChats(orgId: OrgId, userId: UserId) {
    const chatIds = await listChatIdsOfUser(kv, userId);
    const records = await getManyChunked<Chat>(kv, chatIds.map((id) => keys.chat(id)));
    const inOrg = chatIds.filter((_, i) => records[i]!.value?.orgId === orgId);
    gateway.leaveSchool(orgId, userId, inOrg);
    const outcomes = await Promise.allSettled(inOrg.map(async (chatId) => {
      const command = { type: "removeMember", actorId: userId, userId, system: true } as const;
      unwrap(await chats.get(chatId).run(command));
    }));
    for (const outcome of outcomes) {
      // Access is already gone (chat reads check school membership); this only tidies the log.
      if (outcome.status === "rejected") console.error("leaving a chat failed:", outcome.reason);
    }
  }

  const orgs = new ActorHost(
    (address) =>
      new OrgActor(address as OrgId, { kv, clock, ids, onMemberRemoved: leaveSchoolChats }),
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
  return { config, kv, clock, ids, mailer, orgs, chats, gateway, bus, oidc, files };
}

/** Lets queued actor work finish, closes sockets, and releases connections. */
export async function stopDeps(deps: Deps): Promise<void> {
  deps.gateway.close();
  await Promise.all([deps.orgs.stop(), deps.chats.stop(), deps.files.sweeper.stop()]);
  deps.bus.close();
  deps.mailer.close();
}
