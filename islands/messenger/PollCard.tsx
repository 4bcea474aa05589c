/**
 * A poll in the chat: options with live results (an anonymous poll's once it has closed), the
 * viewer's vote (changeable until the poll closes), who voted for what in named polls, and
 * closing it early for its author and moderators.
 */
import { useEffect, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { plural, t } from "../../shared/i18n.ts";
import { type MessageView, type Person, pollOpen } from "../../shared/chat_view.ts";
import { formatPercent, formatWhen } from "./format.ts";
import { personName } from "./names.ts";

export interface PollCardProps {
  locale: Locale;
  message: MessageView;
  people: Record<string, Person>;
  timeZone: string;
  live: boolean;
  /** The viewer may vote now (not frozen or muted). */
  canVote: boolean;
  /** The viewer may close the poll (its author, the chat's owners and moderators). */
  canClose: boolean;
  /** The current time, ms. */
  now: number;
  onVote: (m: MessageView, options: number[]) => Promise<void>;
  onClose: (m: MessageView) => void;
  /** Reads the poll again (hidden counts, once its closing time has passed). */
  onRefresh: (m: MessageView) => void;
}

const votesText = (locale: Locale, n: number) =>
  plural(locale, n, {
    one: "poll.votes.one",
    few: "poll.votes.few",
    many: "poll.votes.many",
    other: "poll.votes.other",
  });

export function PollCard(props: PollCardProps) {
  const { locale, message: m, people, live } = props;
  const poll = m.poll!;
  const mine = poll.myVote.join(",");
  const [choice, setChoice] = useState<number[]>(poll.myVote);
  const [busy, setBusy] = useState(false);
  // A vote cast elsewhere (another tab) shows here too.
  useEffect(() => setChoice(poll.myVote), [mine]);

  const open = pollOpen(poll, props.now);
  // Anonymous counts are hidden (null) until the poll closes, and only shown with enough voters.
  const hidden = poll.options.some((o) => o.votes === null);
  const due = hidden && !open && !poll.closed;
  // The closing time passed with no event: ask for the results once.
  useEffect(() => {
    if (due) props.onRefresh(m);
  }, [due]);
  const voting = open && props.canVote && live && !busy;
  const changed = choice.slice().sort((a, b) => a - b).join(",") !== mine;
  const name = `poll-${m.id}`;
  const headId = `poll-q-${m.seq}`;

  async function vote(options: number[]) {
    setBusy(true);
    try {
      await props.onVote(m, options);
    } finally {
      setBusy(false);
    }
  }

  function pick(i: number, on: boolean) {
    if (!poll.multiple) return setChoice([i]);
    setChoice((all) => on ? [...all.filter((x) => x !== i), i] : all.filter((x) => x !== i));
  }

  return (
    <div class={`poll${open ? "" : " is-closed"}`} role="group" aria-labelledby={headId}>
      <p class="poll-question" id={headId}>
        <span class="poll-label">{t(locale, "chat.poll")}</span>
        {poll.question}
      </p>
      <p class="poll-kind">
        {t(locale, poll.anonymous ? "poll.anonymous" : "poll.named")}
        {" · "}
        {t(locale, poll.multiple ? "poll.multiple" : "poll.single")}
      </p>
      <ul class="poll-options">
        {poll.options.map((o, i) => {
          const share = poll.voterCount && o.votes !== null ? o.votes / poll.voterCount : 0;
          const chosen = poll.myVote.includes(i);
          return (
            <li key={i} class={`poll-option${chosen ? " is-mine" : ""}`}>
              <label>
                <input
                  type={poll.multiple ? "checkbox" : "radio"}
                  name={name}
                  checked={choice.includes(i)}
                  disabled={!voting}
                  onChange={(e) => pick(i, (e.target as HTMLInputElement).checked)}
                />
                <span class="poll-text">
                  {o.text}
                  {chosen && <span class="poll-mine">{t(locale, "poll.yourChoice")}</span>}
                </span>
                {o.votes !== null && (
                  <span class="poll-count">
                    {votesText(locale, o.votes)} · {formatPercent(locale, share)}
                  </span>
                )}
              </label>
              {o.votes !== null && <meter aria-hidden="true" min={0} max={1} value={share} />}
            </li>
          );
        })}
      </ul>
      {hidden && (
        <p class="poll-hidden">
          {t(locale, open ? "poll.hiddenUntilClosed" : "poll.tooFewToShow")}
        </p>
      )}
      {!poll.anonymous && poll.voters && poll.voterCount > 0 && (
        <details class="poll-voters">
          <summary>{t(locale, "poll.whoVoted")}</summary>
          <ul class="list-plain">
            {poll.options.map((o, i) => (
              <li key={i}>
                <strong>{o.text}:</strong> {poll.voters![i]?.length
                  ? poll.voters![i]!.map((id) => personName(locale, people, id)).join(", ")
                  : "—"}
              </li>
            ))}
          </ul>
        </details>
      )}
      <div class="poll-foot">
        <span class="poll-total">
          {plural(locale, poll.voterCount, {
            one: "poll.voters.one",
            few: "poll.voters.few",
            many: "poll.voters.many",
            other: "poll.voters.other",
          })}
          {" · "}
          {open
            ? (poll.closesAt
              ? t(locale, "poll.closesAt", {
                when: formatWhen(locale, poll.closesAt, props.timeZone),
              })
              : t(locale, "poll.open"))
            : <strong>{t(locale, "poll.closed")}</strong>}
        </span>
        {voting && (
          <span class="row poll-actions">
            <button
              type="button"
              class="compact"
              disabled={!changed || !choice.length}
              onClick={() => vote(choice)}
            >
              {t(locale, mine ? "poll.change" : "poll.vote")}
            </button>
            {mine && (
              <button type="button" class="link" onClick={() => vote([])}>
                {t(locale, "poll.withdraw")}
              </button>
            )}
          </span>
        )}
        {open && props.canClose && live && (
          <button
            type="button"
            class="link"
            onClick={() => props.onClose(m)}
          >
            {t(locale, "poll.close")}
          </button>
        )}
      </div>
    </div>
  );
}
