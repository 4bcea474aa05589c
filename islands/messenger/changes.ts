/** Changing messages already sent: edits, deletes (tombstones) and reactions. */
import type { Locale } from "../../shared/model.ts";
import { api, errorText } from "../../shared/api_client.ts";
import type { MessageView } from "../../shared/chat_view.ts";
import type { Action } from "./store.ts";

export interface ChangesOptions {
  locale: Locale;
  dispatch: (action: Action) => void;
  /** Shows a short error to everyone. */
  notice: (text: string) => void;
}

export class Changes {
  readonly #o: ChangesOptions;

  constructor(options: ChangesOptions) {
    this.#o = options;
  }

  /** Edits the text of one's own message; throws a sentence for the person on failure. */
  async edit(chatId: string, seq: number, text: string): Promise<void> {
    try {
      const { message } = await api<{ message: MessageView }>(
        "PATCH",
        `/chats/${chatId}/messages/${seq}`,
        { text },
      );
      this.#o.dispatch({
        type: "patch",
        chatId,
        seq,
        change: { text: message.text, editedAt: message.editedAt },
      });
    } catch (err) {
      throw new Error(errorText(this.#o.locale, err));
    }
  }

  /** Deletes a message (shown as a tombstone). */
  async remove(chatId: string, seq: number): Promise<void> {
    try {
      await api("DELETE", `/chats/${chatId}/messages/${seq}`);
      this.#o.dispatch({
        type: "patch",
        chatId,
        seq,
        change: { deleted: true, text: "", reactions: {}, myReactions: [] },
      });
    } catch (err) {
      this.#o.notice(errorText(this.#o.locale, err));
    }
  }

  /** Adds or removes one's reaction, shown at once and undone if the server refuses. */
  async react(chatId: string, message: MessageView, emoji: string): Promise<void> {
    const add = !message.myReactions.includes(emoji);
    const count = (message.reactions[emoji] ?? 0) + (add ? 1 : -1);
    const reactions = { ...message.reactions };
    if (count > 0) reactions[emoji] = count;
    else delete reactions[emoji];
    const myReactions = add
      ? [...message.myReactions, emoji]
      : message.myReactions.filter((e) => e !== emoji);
    const { dispatch } = this.#o;
    dispatch({ type: "patch", chatId, seq: message.seq, change: { reactions, myReactions } });
    try {
      const path = `/chats/${chatId}/messages/${message.seq}/reactions/${
        encodeURIComponent(emoji)
      }`;
      await api(add ? "PUT" : "DELETE", path);
    } catch (err) {
      dispatch({
        type: "patch",
        chatId,
        seq: message.seq,
        change: { reactions: message.reactions, myReactions: message.myReactions },
      });
      this.#o.notice(errorText(this.#o.locale, err));
    }
  }
}
