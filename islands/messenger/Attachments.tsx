/**
 * Files on their way into a message: each uploads at once with a progress bar, and the message
 * is sent with the ids of those that arrived. Refusals (too large, the school's storage full)
 * are said next to the file.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { type FileView, formatSize } from "../../shared/chat_view.ts";
import { ApiError } from "../../shared/api_client.ts";
import { formatPercent } from "./format.ts";
import { uploadErrorText, uploadFile } from "./uploads.ts";

/** Most files one message carries. */
export const MAX_FILES = 10;

export interface Attachment {
  key: string;
  name: string;
  size: number;
  image: boolean;
  sent: number;
  status: "uploading" | "done" | "failed";
  file?: FileView;
  error?: string;
}

export interface Attachments {
  items: Attachment[];
  /** Starts uploading files; returns a sentence when some were not taken. */
  add(files: File[]): string | null;
  remove(key: string): void;
  clear(): void;
  uploading: boolean;
  /** The files uploaded, ready to send. */
  ready: FileView[];
}

let counter = 0;

/** The composer's files for one chat; leaving the chat stops their uploads. */
export function useAttachments(
  chatId: string,
  locale: Locale,
  maxBytes: number,
  announce: (text: string) => void,
): Attachments {
  const [items, setItems] = useState<Attachment[]>([]);
  const aborts = useRef(new Map<string, () => void>());
  const count = useRef(0);
  count.current = items.length;

  useEffect(() => () => aborts.current.forEach((abort) => abort()), []);

  const change = (key: string, patch: Partial<Attachment>) =>
    setItems((all) => all.map((a) => a.key === key ? { ...a, ...patch } : a));

  function start(file: File): Attachment {
    const key = `a${++counter}`;
    const item: Attachment = {
      key,
      name: file.name || t(locale, "upload.unnamed"),
      size: file.size,
      image: /^image\/(jpeg|png)$/.test(file.type),
      sent: 0,
      status: "uploading",
    };
    if (file.size > maxBytes || file.size === 0) {
      const error = file.size === 0
        ? t(locale, "upload.empty", { name: item.name })
        : uploadErrorText(locale, new ApiError(413, "too_large", ""), item.name, maxBytes);
      return { ...item, status: "failed", error };
    }
    const upload = uploadFile(chatId, file, (sent) => change(key, { sent }));
    aborts.current.set(key, upload.abort);
    upload.done.then((stored) => {
      change(key, { status: "done", sent: file.size, file: stored });
      announce(t(locale, "upload.done", { name: item.name }));
    }, (err) => {
      if (err instanceof ApiError && err.code === "aborted") return;
      const error = uploadErrorText(locale, err, item.name, maxBytes);
      change(key, { status: "failed", error });
      announce(error);
    }).finally(() => aborts.current.delete(key));
    return item;
  }

  return {
    items,
    add(files) {
      const room = MAX_FILES - count.current;
      const taken = files.slice(0, Math.max(0, room));
      count.current += taken.length;
      if (taken.length) setItems((all) => [...all, ...taken.map(start)]);
      return taken.length < files.length ? t(locale, "upload.tooMany", { max: MAX_FILES }) : null;
    },
    remove(key) {
      aborts.current.get(key)?.();
      setItems((all) => all.filter((a) => a.key !== key));
    },
    clear() {
      aborts.current.forEach((abort) => abort());
      setItems([]);
    },
    uploading: items.some((a) => a.status === "uploading"),
    ready: items.flatMap((a) => a.status === "done" && a.file ? [a.file] : []),
  };
}

export function AttachmentList(
  { locale, attachments }: { locale: Locale; attachments: Attachments },
) {
  if (!attachments.items.length) return null;
  return (
    <ul class="attachments" aria-label={t(locale, "upload.list")}>
      {attachments.items.map((a) => (
        <li key={a.key} class={`attachment is-${a.status}`}>
          <span class="attachment-icon" aria-hidden="true">{a.image ? "🖼" : "📄"}</span>
          <span class="attachment-main">
            <span class="attachment-name">{a.name}</span>
            {a.status === "uploading" && (
              <span class="attachment-progress">
                <progress
                  max={a.size}
                  value={a.sent}
                  aria-label={t(locale, "upload.progress", { name: a.name })}
                />
                <span class="attachment-meta" aria-hidden="true">
                  {formatPercent(locale, a.size ? a.sent / a.size : 0)}
                </span>
              </span>
            )}
            {a.status === "done" && (
              <span class="attachment-meta">
                {formatSize(locale, a.size)} · {t(locale, "upload.ready")}
              </span>
            )}
            {a.status === "failed" && <span class="attachment-error" role="alert">{a.error}</span>}
          </span>
          <button
            type="button"
            class="icon-button"
            aria-label={t(
              locale,
              a.status === "uploading" ? "upload.cancel" : "upload.remove",
              { name: a.name },
            )}
            title={t(locale, a.status === "uploading" ? "upload.cancel" : "upload.remove", {
              name: a.name,
            })}
            onClick={() => attachments.remove(a.key)}
          >
            <span aria-hidden="true">×</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
