import { CSRF } from '../config/constants';
import { env } from '../config/env';
import { ApiError, NetworkError } from './api-error';
import { handleSessionExpired } from './session';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
  /**
   * Whether a 401 means "the session expired" (sign in again, keeping drafts). False
   * for the one call that asks whether anyone is signed in at all.
   */
  expireSessionOn401?: boolean;
}

export function apiUrl(path: string, query?: RequestOptions['query']): string {
  const url = new URL(env.apiBaseUrl + path, window.location.href);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** EventSource only sends cookies cross-origin when asked to. */
export function isCrossOriginApi(): boolean {
  return new URL(apiUrl('/'), window.location.href).origin !== window.location.origin;
}

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [rawKey, ...rest] = part.trim().split('=');
    if (rawKey === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = CSRF.cookieNames.map(readCookie).find((value) => value !== undefined);
    if (csrf) headers[CSRF.headerName] = csrf;
  }

  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      // Same-origin behind the gateway; 'include' also covers a separate API origin.
      credentials: 'include',
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new NetworkError(cause);
  }

  const body: unknown = await readBody(response);
  if (response.ok && response.status !== 204 && !isJson(response)) {
    // A gateway error page or the SPA's own index.html means the API is not there.
    throw new NetworkError(new Error(`Expected JSON from ${path}, got ${response.headers.get('content-type') ?? 'no content type'}`));
  }
  if (!response.ok) {
    if (response.status === 401 && options.expireSessionOn401 !== false) handleSessionExpired();
    throw new ApiError(response.status, body);
  }
  return body as T;
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text().catch(() => '');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isJson(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return /^application\/([\w.+-]+\+)?json\b/i.test(type);
}
