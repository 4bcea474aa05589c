/**
 * What each kind of effect does. Every handler may run more than once for one effect (a runner
 * that dies mid-way, a commit that fails after the work) and is written so that a second run
 * changes nothing more.
 */
import type { Clock, Ids, UserId } from "../shared/ids.ts";
import { keys } from "../platform/kv_keys.ts";
import { getManyChunked, listAll } from "../platform/kv_util.ts";
import type { Chat, ChatMember } from "../shared/chat_model.ts";
import type { Member } from "../shared/model.ts";
import type { Call } from "../domain/calls.ts";
import { listChatIdsOfUser } from "../domain/chats.ts";
import { retireFile } from "../domain/files.ts";
import { receivesReportNotice } from "../shared/policy.ts";
import { unwrap } from "../actors/mailbox.ts";
import type { ActorHost } from "../actors/host.ts";
import type { ChatActor } from "../actors/chat_actor.ts";
import type { Gateway } from "../actors/gateway.ts";
import type { Mailer } from "../platform/mail.ts";
import type { EffectHandlers } from "./runner.ts";
import type { LiveKitConfig, PushConfig } from "../platform/config.ts";
import { notifyHandlers } from "./notify.ts";
import type { NoSubscriptions } from "../domain/push.ts";
import { isNotFound, roomService } from "../platform/livekit.ts";

export interface EffectHandlerDeps {
  kv: Deno.Kv;
  clock: Clock;
  ids: Ids;
  push: PushConfig;
  unsubscribed: NoSubscriptions;
  appOrigin: string;
  /** The LiveKit that calls run on (null when calls are not configured). */
  livekit: LiveKitConfig | null;
  chats: ActorHost<ChatActor>;
  gateway: Gateway;
  mailer: Mailer;
}

export function effectHandlers(deps: EffectHandlerDeps): EffectHandlers {
  const { kv, clock, chats, gateway, mailer, livekit } = deps;
  return {
    ...notifyHandlers(deps),
    async "call.evict"({ room, userId }) {
      // Written only when LiveKit's webhook came, so LiveKit is configured; gone already is done.
      if (!livekit) return;
      await roomService(livekit).removeParticipant(room, userId).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    },

    async "file.purge"({ fileId }) {
      // A file already retired is only checked for chunks left behind.
      await retireFile(kv, fileId, new Date(clock.now()).toISOString());
    },

    async "report.created"({ orgId, chatId, reportId, reporterId }) {
      // A notice is a hint to whoever is online; the report itself is in KV already.
      const [chatMembers, orgMembers] = await Promise.all([
        listAll<ChatMember>(kv, keys.chatMembers(chatId)),
        listAll<Member>(kv, keys.orgMembers(orgId)),
      ]);
      const roles = new Map(orgMembers.map((e) => [e.value.userId, e.value.roles]));
      const chatRoles = new Map(chatMembers.map((e) => [e.value.userId, e.value.chatRole]));
      const recipients = new Set<UserId>(
        [...new Set([...roles.keys(), ...chatRoles.keys()])].filter((id) =>
          roles.has(id) && receivesReportNotice(chatRoles.get(id) ?? null, roles.get(id)!)
        ),
      );
      recipients.delete(reporterId);
      gateway.notify([...recipients], { type: "report.created", orgId, chatId, reportId });
    },

    async "school.left"({ orgId, userId }) {
      // Back in the school since (an admin let them return): the chats they are in now stay.
      if ((await kv.get(keys.orgMember(orgId, userId))).value) return;
      const chatIds = await listChatIdsOfUser(kv, userId);
      const records = await getManyChunked<Chat>(kv, chatIds.map((id) => keys.chat(id)));
      const inOrg = chatIds.filter((_, i) => records[i]!.value?.orgId === orgId);
      // Their sockets stop hearing the school's chats everywhere before the log catches up.
      gateway.leaveSchool(orgId, userId, inOrg);
      for (const chatId of inOrg) {
        unwrap(await chats.get(chatId).run({ type: "leftSchool", actorId: userId }));
      }
    },

    async "mail.send"({ to, subject, text }) {
      // A failure (SMTP down) is retried with backoff; a crash after the handoff may send twice.
      await mailer.send({ to, subject, text });
    },

    async "call.finished"({ chatId, callId }) {
      const call = (await kv.get<Call>(keys.call(callId))).value;
      if (!call || call.endedAt) return;
      unwrap(
        await chats.get(chatId).run({
          type: "finishCall",
          actorId: call.startedBy,
          callId,
        }),
      );
    },
  };
}
