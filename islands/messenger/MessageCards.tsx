/**
 * What a message may carry besides text: files (pictures as previews, the rest as download
 * cards), the confirmation of an announcement, a call's join card and a planned lesson.
 */
import type { Locale } from "../../shared/model.ts";
import { type MessageKey, t } from "../../shared/i18n.ts";
import {
  type FileView,
  formatSize,
  type MessageView,
  type Person,
} from "../../shared/chat_view.ts";
import { formatDuration, formatWhen, typeLabel } from "./format.ts";
import { personName } from "./names.ts";
import { plainClick } from "./ChatList.tsx";

const fileUrl = (f: FileView, part = "") => `/api/v1/files/${encodeURIComponent(f.id)}${part}`;

/** Pictures open large in the chat; other files download. */
export function MessageFiles(
  { locale, files, onImage }: {
    locale: Locale;
    files: FileView[];
    onImage?: (file: FileView) => void;
  },
) {
  return (
    <ul class="msg-files">
      {files.map((f) =>
        f.kind === "image"
          ? (
            <li key={f.id} class="file-image">
              <a
                href={fileUrl(f)}
                target="_blank"
                rel="noopener"
                onClick={(e) => {
                  if (!onImage || !plainClick(e)) return;
                  e.preventDefault();
                  onImage(f);
                }}
              >
                <img
                  src={fileUrl(f, "/thumb")}
                  alt={t(locale, "file.image", { name: f.name })}
                  width={f.width}
                  height={f.height}
                  loading="lazy"
                />
              </a>
            </li>
          )
          : (
            <li key={f.id} class="file-card">
              <span class="file-icon" aria-hidden="true">
                {typeLabel(f.type, f.name).slice(0, 4)}
              </span>
              <span class="file-info">
                <a href={fileUrl(f)} download={f.name} class="file-name">
                  {f.name}
                  <span class="visually-hidden">, {t(locale, "file.download")}</span>
                </a>
                <span class="file-meta">
                  {formatSize(locale, f.size)} · {typeLabel(f.type, f.name)}
                </span>
              </span>
            </li>
          )
      )}
    </ul>
  );
}

export interface AckBarProps {
  locale: Locale;
  message: MessageView;
  live: boolean;
  /** The viewer is asked to confirm (not its author). */
  canAck: boolean;
  /** The viewer sees how many have confirmed (its author and moderators). */
  seesCount: boolean;
  /** How many members are asked: the chat's members but the author. */
  audience: number;
  onAck: (m: MessageView) => void;
  onShow: (m: MessageView) => void;
}

/** "Ознакомлен(а)" for members; "23 из 28" and who has and has not for the author. */
export function AckBar(props: AckBarProps) {
  const { locale, message: m, live } = props;
  const count = t(locale, "ack.count", { n: m.ackCount ?? 0, total: props.audience });
  return (
    <div class="ack-bar">
      {props.canAck && (m.myAck
        ? (
          <span class="ack-done">
            <span aria-hidden="true">✓</span> {t(locale, "ack.mine")}
          </span>
        )
        : (
          <button type="button" class="compact" disabled={!live} onClick={() => props.onAck(m)}>
            {t(locale, "ack.button")}
          </button>
        ))}
      {props.seesCount && (
        <button
          type="button"
          class="link ack-count"
          disabled={!live}
          aria-label={t(locale, "ack.showWho", { count })}
          onClick={() => props.onShow(m)}
        >
          {count}
        </button>
      )}
    </div>
  );
}

/** A call in the chat: join while it goes on; how long it lasted once it is over. */
export function CallCard(
  { locale, message: m, people }: {
    locale: Locale;
    message: MessageView;
    people: Record<string, Person>;
  },
) {
  const call = m.call!;
  const kind = t(locale, `chatCall.kind.${call.kind}` as MessageKey);
  const ended = call.endedAt !== undefined || call.durationSeconds !== undefined;
  return (
    <div class={`call-card${ended ? " is-ended" : " is-live"}`}>
      <span class="card-icon" aria-hidden="true">{call.kind === "call" ? "📞" : "🎥"}</span>
      <div class="card-main">
        <p class="card-title">{call.title ? `${kind}: ${call.title}` : kind}</p>
        <p class="card-meta">
          {ended
            ? t(locale, "chatCall.ended", {
              duration: formatDuration(locale, call.durationSeconds ?? 0),
            })
            : t(locale, "chatCall.live", { name: personName(locale, people, call.startedBy) })}
        </p>
      </div>
      {!ended && (
        <a class="button compact" href={`/calls/${encodeURIComponent(call.id)}`}>
          {t(locale, "chatCall.join")}
          <span class="visually-hidden">: {call.title ?? kind}</span>
        </a>
      )}
    </div>
  );
}

/** A lesson or meeting planned in the chat, with its day and time in the school's time zone. */
export function LessonCard(
  { locale, message: m, timeZone, now, callsEnabled }: {
    locale: Locale;
    message: MessageView;
    timeZone: string;
    now: number;
    /** Whether calls are set up: without them, the card says so where joining would be. */
    callsEnabled: boolean;
  },
) {
  const lesson = m.lesson!;
  const start = Date.parse(lesson.startsAt);
  const going = now >= start && now < start + lesson.durationMinutes * 60_000;
  const over = now >= start + lesson.durationMinutes * 60_000;
  return (
    <div class={`lesson-card${over ? " is-over" : ""}`}>
      <span class="card-icon" aria-hidden="true">📅</span>
      <div class="card-main">
        <p class="card-title">
          {t(locale, lesson.kind === "lesson" ? "planned.lesson" : "planned.meeting")}:{" "}
          {lesson.title}
        </p>
        <p class="card-meta">
          <time dateTime={lesson.startsAt}>{formatWhen(locale, lesson.startsAt, timeZone)}</time>
          {" · "}
          {formatDuration(locale, lesson.durationMinutes * 60)}
          {going && <strong class="lesson-now">· {t(locale, "planned.now")}</strong>}
        </p>
        {!callsEnabled && !over && <p class="card-note">{t(locale, "calls.off")}</p>}
      </div>
    </div>
  );
}
