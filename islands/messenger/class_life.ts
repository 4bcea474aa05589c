/**
 * Class life from the message list and the chat header: voting, closing polls, confirming
 * announcements, starting calls, the upcoming lessons and class schedule links. What dialogs do
 * lives in the dialogs, loaded when opened.
 */
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { api, ApiError, errorText } from "../../shared/api_client.ts";
import { type MessageView, type PollInput, pollOf } from "../../shared/chat_view.ts";
import type { CallKind } from "../../shared/chat_model.ts";
import type { Action, State } from "./store.ts";
import type { UpcomingLesson } from "../../shared/chat_view.ts";

export interface ClassLifeOptions {
  locale: Locale;
  dispatch: (action: Action) => void;
  state: () => State;
  notice: (text: string) => void;
  info: (text: string, chatId?: string) => void;
  announce: (text: string) => void;
}

export class ClassLife {
  readonly #o: ClassLifeOptions;
  #lessons: Promise<void> | null = null;
  readonly #schedules = new Set<string>();

  constructor(options: ClassLifeOptions) {
    this.#o = options;
  }

  #t(key: Parameters<typeof t>[1], params?: Record<string, string | number>) {
    return t(this.#o.locale, key, params);
  }

  /** Votes in a poll (an empty choice withdraws the vote); the result shows at once. */
  async vote(chatId: string, message: MessageView, options: number[]): Promise<void> {
    try {
      const { poll } = await api<{ poll: PollInput }>(
        "PUT",
        `/chats/${chatId}/polls/${message.seq}/vote`,
        { options },
      );
      this.#o.dispatch({ type: "patch", chatId, seq: message.seq, change: { poll: pollOf(poll) } });
      this.#o.announce(this.#t(options.length ? "poll.voted" : "poll.withdrawn"));
    } catch (err) {
      this.#o.notice(errorText(this.#o.locale, err));
    }
  }

  /**
   * Reads a poll again: an anonymous poll's counts are hidden until it closes, and reaching its
   * closing time brings no event, so its card asks for them when the time has come.
   */
  async refreshPoll(chatId: string, message: MessageView): Promise<void> {
    try {
      const page = await api<{ messages: (MessageView & { poll?: PollInput })[] }>(
        "GET",
        `/chats/${chatId}/messages?before=${message.seq + 1}&limit=1`,
      );
      const found = page.messages[0];
      if (found?.seq !== message.seq || !found.poll) return;
      this.#o.dispatch({
        type: "patch",
        chatId,
        seq: message.seq,
        change: { poll: pollOf(found.poll) },
      });
    } catch {
      /* the counts show on the next load */
    }
  }

  /** Closes a poll early (its author and moderators). */
  async closePoll(chatId: string, message: MessageView): Promise<void> {
    try {
      const { poll } = await api<{ poll: PollInput }>(
        "POST",
        `/chats/${chatId}/polls/${message.seq}/close`,
      );
      this.#o.dispatch({ type: "patch", chatId, seq: message.seq, change: { poll: pollOf(poll) } });
    } catch (err) {
      this.#o.notice(errorText(this.#o.locale, err));
    }
  }

  /** Confirms an announcement ("Ознакомлен(а)"). */
  async ack(chatId: string, message: MessageView): Promise<void> {
    try {
      const res = await api<{ message: { ackCount?: number } }>(
        "POST",
        `/chats/${chatId}/messages/${message.seq}/ack`,
      );
      this.#o.dispatch({
        type: "patch",
        chatId,
        seq: message.seq,
        change: {
          myAck: true,
          ackCount: Math.max(res.message.ackCount ?? 0, message.ackCount ?? 0),
        },
      });
      this.#o.announce(this.#t("ack.done"));
    } catch (err) {
      this.#o.notice(errorText(this.#o.locale, err));
    }
  }

  /**
   * Starts a call in the chat and opens the call page; when one is already going on, opens that
   * one. Throws a sentence for the person when the server refuses.
   */
  async startCall(
    chatId: string,
    kind: CallKind,
    title: string | null = null,
    { screenShareForAll = false, lobby = false } = {},
  ): Promise<void> {
    const go = (path: string) => location.assign(path);
    try {
      const { call } = await api<{ call: { id: string } }>("POST", `/chats/${chatId}/calls`, {
        kind,
        ...(title ? { title } : {}),
        screenShareForAll,
        lobby,
      });
      go(`/calls/${call.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        const active = this.#o.state().loaded[chatId]?.messages.findLast((m) =>
          m.call && !m.call.endedAt && !m.deleted
        );
        if (active?.call) return go(`/calls/${active.call.id}`);
        throw new Error(this.#t("chatCall.busy"));
      }
      if (err instanceof ApiError && err.code === "calls_unavailable") {
        throw new Error(this.#t("chatCall.unavailable"));
      }
      throw new Error(errorText(this.#o.locale, err));
    }
  }

  /** A report went to the moderators: say so. */
  reported(): void {
    const text = this.#t("reportMsg.sent");
    this.#o.info(text);
    this.#o.announce(text);
  }

  /** Reads the lessons and meetings ahead again (after one is planned). */
  refreshLessons(): Promise<void> {
    this.#lessons ??= (async () => {
      try {
        const { lessons } = await api<{ lessons: UpcomingLesson[] }>("GET", "/me/lessons");
        this.#o.dispatch({ type: "lessons", lessons: lessons.slice(0, 20) });
      } catch { /* the list stays as it was */ }
    })().finally(() => this.#lessons = null);
    return this.#lessons;
  }

  /** Makes sure the schedule link of a class chat's class is known. */
  async schedule(orgId: string, classId: string | undefined): Promise<void> {
    if (!classId || classId in this.#o.state().schedules || this.#schedules.has(orgId)) return;
    this.#schedules.add(orgId);
    try {
      const { classes } = await api<{ classes: { id: string; scheduleUrl: string | null }[] }>(
        "GET",
        `/orgs/${orgId}/classes`,
      );
      const schedules: Record<string, string> = {};
      for (const c of classes) if (c.scheduleUrl) schedules[c.id] = c.scheduleUrl;
      this.#o.dispatch({ type: "schedules", schedules });
    } catch {
      this.#schedules.delete(orgId);
    }
  }
}
