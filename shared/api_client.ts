/** The browser's client of Parta's HTTP API: JSON in and out, errors as {@link ApiError}. */
import type { Locale } from "./model.ts";
import { type MessageKey, t } from "./i18n.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfter?: number,
    /** Which refusal of its kind this is, where the API says (`"banned"`, `"lookalike"`). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Calls `/api/v1{path}` with the session cookie; resolves with the JSON body (or null). */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "Network error");
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const error = data?.error ?? {};
    const retry = Number(res.headers.get("Retry-After")) || undefined;
    throw new ApiError(
      res.status,
      error.code ?? "unknown",
      error.message ?? "",
      error.field,
      retry,
      typeof error.reason === "string" ? error.reason : undefined,
    );
  }
  return data as T;
}

/** A sentence for the person in front of the screen, in their language. */
export function errorText(locale: Locale, err: unknown): string {
  if (!(err instanceof ApiError)) return t(locale, "error.generic");
  if (err.code === "rate_limited") {
    return t(locale, "error.rate_limited", { seconds: err.retryAfter ?? 1 });
  }
  if (err.reason) {
    const precise = `error.${err.code}.${err.reason}` as MessageKey;
    const text = t(locale, precise);
    if (text !== precise) return text;
  }
  const key = `error.${err.code}` as MessageKey;
  const text = t(locale, key);
  return text === key ? t(locale, "error.generic") : text;
}
