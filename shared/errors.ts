/** The one error type for expected failures; `routes/` maps it to the API's error body. */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 503,
    readonly code: string,
    message: string,
    readonly options: { field?: string; retryAfter?: number; details?: Record<string, unknown> } =
      {},
  ) {
    super(message);
    this.name = "AppError";
  }

  get field(): string | undefined {
    return this.options.field;
  }

  /** Whole seconds, at least 1, for 429 answers. */
  get retryAfter(): number | undefined {
    const s = this.options.retryAfter;
    return s === undefined ? undefined : Math.max(1, Math.ceil(s));
  }

  /** The API's error object: `{code, message, field?}` plus any details. */
  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (this.options.details) Object.assign(body, this.options.details);
    return body;
  }
}

export const invalidInput = (message: string, field?: string) =>
  new AppError(400, "invalid_input", message, { field });

export const unauthenticated = (message = "Sign in first") =>
  new AppError(401, "unauthenticated", message);

export const forbidden = (message: string) => new AppError(403, "forbidden", message);

export const notFound = (message = "Not found") => new AppError(404, "not_found", message);

export const conflict = (message: string, details?: Record<string, unknown>) =>
  new AppError(409, "conflict", message, { details });

export const rateLimited = (retryAfterSeconds: number, message = "Too many requests, try later") =>
  new AppError(429, "rate_limited", message, { retryAfter: retryAfterSeconds });

/** Whether `err` is SQLite's transient "database is locked" (another writer holds the file). */
export function isLocked(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (/database is locked|SQLITE_BUSY/i.test(e.message)) return true;
  }
  return false;
}

/** 503 while the server drains for shutdown: the client retries against the next process. */
export const shuttingDown = () =>
  new AppError(503, "unavailable", "The server is shutting down; try again", { retryAfter: 1 });
