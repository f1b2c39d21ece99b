/** The contract's error body: `{ success: false, error, code, requestId, details? }`. */
export interface ErrorBody {
  success: false;
  error: string;
  code: string;
  requestId?: string;
  details?: Array<{ field: string; messages: string[] }>;
  retryAfter?: number;
  /** A wrong two-factor code: tries left on its mfaToken. */
  attemptsLeft?: number;
}

export interface PageMeta {
  page: number;
  limit: number;
  total: number;
}

export interface Paged<T> {
  items: T[];
  meta: PageMeta;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorBody['details'] = undefined,
    readonly requestId: string | undefined = undefined,
    readonly attemptsLeft: number | undefined = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The first message of each invalid field, or the error itself. */
  describe(): string {
    if (!this.details?.length) return this.message;
    return this.details.map((detail) => detail.messages[0] ?? detail.field).join('. ');
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Query = Record<string, string | number | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  /** Do not report a 401 as the end of the session (signing in, probing who is signed in). */
  quiet401?: boolean;
}

interface Envelope<T> {
  success: true;
  data: T;
  message?: string;
  meta?: PageMeta;
}

/**
 * The dashboard's one way to the API: same-origin JSON with the session cookie, the envelope
 * unwrapped, the CSRF token on every state-changing request, and a 401 reported once as
 * "the session ended" so the app can return to Sign in.
 */
export class ApiClient {
  private csrfToken: string | undefined;
  private sessionEnded: (() => void) | undefined;

  constructor(private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {}

  setCsrfToken(token: string | undefined): void {
    this.csrfToken = token;
  }

  onSessionEnded(listener: (() => void) | undefined): void {
    this.sessionEnded = listener;
  }

  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.send<T>('GET', path, options)).data;
  }

  async page<T>(path: string, query: Query = {}): Promise<Paged<T>> {
    const envelope = await this.send<T[]>('GET', path, { query });
    return { items: envelope.data, meta: envelope.meta ?? { page: 1, limit: envelope.data.length, total: envelope.data.length } };
  }

  async post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return (await this.send<T>('POST', path, { ...options, body })).data;
  }

  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await this.send<T>('PATCH', path, { body })).data;
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    return (await this.send<T>('PUT', path, { body })).data;
  }

  async delete<T>(path: string, body?: unknown): Promise<T> {
    return (await this.send<T>('DELETE', path, { body })).data;
  }

  /** A route that answers a file rather than the envelope (the data export): its body and suggested name. */
  async file(path: string): Promise<{ blob: Blob; filename: string | undefined }> {
    const response = await this.fetchImpl(path, { method: 'GET', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) {
      const error = toApiError(response.status, await response.json().catch(() => undefined));
      if (error.status === 401) this.sessionEnded?.();
      throw error;
    }
    const disposition = response.headers.get('content-disposition') ?? '';
    return { blob: await response.blob(), filename: /filename="([^"]+)"/.exec(disposition)?.[1] };
  }

  private async send<T>(method: string, path: string, options: RequestOptions, retried = false): Promise<Envelope<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (STATE_CHANGING.has(method) && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    const response = await this.fetchImpl(withQuery(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    // 204 No Content (a password change, the account's deletion): done, nothing to read.
    if (response.status === 204) return { success: true, data: undefined as T };
    const body = (await response.json().catch(() => undefined)) as Envelope<T> | ErrorBody | undefined;
    if (response.ok && body?.success) return body;

    const error = toApiError(response.status, body);
    // A token that went stale (another tab signed in again): fetch the session's current one, once.
    if (error.code === 'csrf_invalid' && !retried && (await this.refreshCsrfToken())) {
      return this.send(method, path, options, true);
    }
    if (error.status === 401 && !options.quiet401) this.sessionEnded?.();
    throw error;
  }

  private async refreshCsrfToken(): Promise<boolean> {
    try {
      const { csrfToken } = await this.get<{ csrfToken: string }>('/api/auth/csrf', { quiet401: true });
      this.csrfToken = csrfToken;
      return true;
    } catch {
      return false;
    }
  }
}

function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

function toApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object' && 'success' in body && body.success === false) {
    const error = body as ErrorBody;
    return new ApiError(status, error.code, error.error, error.details, error.requestId, error.attemptsLeft);
  }
  return new ApiError(status, status >= 500 ? 'internal_error' : 'unexpected_response', `The server answered ${status}`);
}
