/**
 * Uploading a file into a chat: multipart (field `file`) over XMLHttpRequest, whose upload
 * events report progress, which fetch cannot. Refusals come back as {@link ApiError}s.
 */
import type { Locale } from "../../shared/model.ts";
import { t } from "../../shared/i18n.ts";
import { ApiError, errorText } from "../../shared/api_client.ts";
import { type FileView, formatSize } from "../../shared/chat_view.ts";

export interface Upload {
  /** The stored file, or an ApiError (status 0: network, or aborted). */
  done: Promise<FileView>;
  abort(): void;
}

/** Uploads `file` into a chat, telling `progress` how many bytes have gone. */
export function uploadFile(
  chatId: string,
  file: File,
  progress: (sent: number, total: number) => void,
): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<FileView>((resolve, reject) => {
    xhr.open("POST", `/api/v1/chats/${encodeURIComponent(chatId)}/files`);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => progress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: { file?: FileView; error?: { code?: string; message?: string } } | null = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch { /* not JSON: an error page of a proxy */ }
      if (xhr.status === 201 && body?.file) return resolve(body.file);
      const retry = Number(xhr.getResponseHeader("Retry-After")) || undefined;
      reject(
        new ApiError(
          xhr.status,
          body?.error?.code ?? "unknown",
          body?.error?.message ?? "",
          undefined,
          retry,
        ),
      );
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "Network error"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Aborted"));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

/** Why an upload was refused, for the person: the size limit and the school's quota by name. */
export function uploadErrorText(
  locale: Locale,
  err: unknown,
  name: string,
  maxBytes: number,
): string {
  const max = formatSize(locale, maxBytes);
  if (err instanceof ApiError) {
    if (err.code === "too_large") return t(locale, "upload.tooLarge", { name, max });
    if (err.code === "quota_exceeded") return t(locale, "upload.quota");
    if (err.code === "unsupported_media_type") return t(locale, "upload.unsupported");
    if (err.code === "forbidden") return t(locale, "upload.forbidden");
  }
  return t(locale, "upload.failed", { name, reason: errorText(locale, err) });
}
