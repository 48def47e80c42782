import type { ErrorResponse } from '@flotilla/contracts';

/** A response from the API that was not a success. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: NonNullable<ErrorResponse['details']>;
  readonly requestId?: string;

  constructor(status: number, body: unknown) {
    const parsed: ErrorResponse | undefined = isErrorResponse(body) ? body : undefined;
    super(parsed?.message ?? fallbackMessage(status));
    this.name = 'ApiError';
    this.status = status;
    this.code = parsed?.code ?? `HTTP_${status}`;
    this.details = parsed?.details ?? [];
    this.requestId = parsed?.requestId;
  }
}

/** The request never got an HTTP answer: offline, DNS, gateway down. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('We could not reach Flotilla. Check your connection and try again.', { cause });
    this.name = 'NetworkError';
  }
}

function fallbackMessage(status: number): string {
  if (status >= 500) return 'Flotilla is having trouble right now. Please try again in a moment.';
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found.';
  return 'The request could not be completed.';
}

export const isApiError = (error: unknown, code?: string): error is ApiError =>
  error instanceof ApiError && (code === undefined || error.code === code);

/** Worth retrying automatically: the API did not answer, or answered with a server-side failure. */
export const isTransient = (error: unknown): boolean =>
  error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);

/**
 * A structural check rather than the TypeBox validator: this module is on the
 * initial bundle, and the validator belongs to the lazily loaded dashboard.
 */
function isErrorResponse(body: unknown): body is ErrorResponse {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Record<string, unknown>;
  const details = candidate['details'];
  return (
    typeof candidate['statusCode'] === 'number' &&
    typeof candidate['code'] === 'string' &&
    typeof candidate['message'] === 'string' &&
    (details === undefined ||
      (Array.isArray(details) &&
        details.every(
          (d) => typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.message === 'string',
        )))
  );
}
