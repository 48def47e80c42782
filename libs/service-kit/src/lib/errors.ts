import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponseSchema, type ErrorResponse } from '@flotilla/contracts';

/** The error body schema (the contracts' ErrorResponseSchema); put it on every route's 4xx/5xx responses. */
export const errorResponseSchema = ErrorResponseSchema;
export type { ErrorResponse };
export type ErrorDetail = NonNullable<ErrorResponse['details']>[number];

/**
 * An error meant for the client: its status, code and message are sent as is.
 * Throw it from routes and domain adapters, e.g.
 * `throw new AppError(409, 'ACCOUNT_EXISTS', 'An account with this e-mail already exists')`.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  410: 'GONE',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_ENTITY',
  428: 'PRECONDITION_REQUIRED',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** Fastify's own client errors, rewritten into this API's codes and plainer words. */
const FASTIFY_CODES: Record<
  string,
  { statusCode: number; code: string; message: string }
> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    statusCode: 400,
    code: 'INVALID_JSON',
    message: 'The request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    statusCode: 400,
    code: 'INVALID_JSON',
    message: 'The request body is empty but Content-Type is application/json',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    statusCode: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported Content-Type; send application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    statusCode: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'The request body is larger than this endpoint accepts',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    statusCode: 400,
    code: 'INVALID_CONTENT_LENGTH',
    message: 'The request body size does not match Content-Length',
  },
};

const CLIENT_CODE = /^[A-Z][A-Z0-9_]{2,63}$/;

/** Seconds a client is told to wait after a 503 (RFC 9110 §10.2.3), unless the route set its own. */
export const RETRY_AFTER_SECONDS = 5;

// Connection-level failures of PostgreSQL (node-postgres, Prisma's adapter and engine codes):
// the request was fine, the database was not there. SQLSTATE class 08 is "connection exception",
// 57P01–57P03 are admin/crash shutdown and "cannot connect now" (the server is starting up).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300', // too_many_connections
  'P1001', // can't reach database server
  'P1002', // database server timed out
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool
]);
const UNAVAILABLE_SQLSTATE_CLASS = /^08[0-9A-Z]{3}$/;
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Can't reach database|connect ECONNREFUSED|getaddrinfo (ENOTFOUND|EAI_AGAIN)|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|terminating connection due to administrator command|Client has encountered a connection error/i;

/**
 * True when the error (or one of its causes) says the database could not be
 * reached or dropped the connection: the caller should retry, so it is a 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth += 1) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; kind?: unknown; errors?: unknown };
    if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || UNAVAILABLE_SQLSTATE_CLASS.test(e.code))) return true;
    if (e.kind === 'DatabaseNotReachable' || e.kind === 'ConnectionClosed' || e.kind === 'SocketTimeout') return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    // Node's happy-eyeballs connect raises an AggregateError of per-address failures.
    if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = e.cause;
  }
  return false;
}

function reason(statusCode: number): string {
  return STATUS_CODES[statusCode] ?? 'Error';
}

/** Maps any thrown value to the response body. Internals of 5xx never reach the client. */
export function toErrorResponse(
  error: unknown,
  requestId: string,
): ErrorResponse {
  const build = (
    statusCode: number,
    code: string,
    message: string,
    details?: ErrorDetail[],
  ) => ({
    statusCode,
    code,
    error: reason(statusCode),
    message,
    requestId,
    ...(details && details.length > 0 ? { details } : {}),
  });

  if (
    error instanceof AppError &&
    error.statusCode >= 400 &&
    error.statusCode < 600
  ) {
    if (error.statusCode < 500)
      return build(error.statusCode, error.code, error.message, error.details);
    return build(error.statusCode, error.code, reason(error.statusCode));
  }

  if (isDatabaseUnavailable(error)) {
    return build(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry later');
  }

  const fastifyError = error as Partial<FastifyError> | undefined;
  if (fastifyError?.validation) {
    const part = fastifyError.validationContext ?? 'request';
    const details = fastifyError.validation.map((issue) => ({
      field: `${part}${issue.instancePath ?? ''}`,
      message: issue.message ?? 'is invalid',
    }));
    return build(
      400,
      'VALIDATION_FAILED',
      fastifyError.message ?? 'The request is invalid',
      details,
    );
  }

  const known = fastifyError?.code
    ? FASTIFY_CODES[fastifyError.code]
    : undefined;
  if (known) return build(known.statusCode, known.code, known.message);

  const statusCode = fastifyError?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const ownCode =
      typeof fastifyError?.code === 'string' &&
      CLIENT_CODE.test(fastifyError.code) &&
      !fastifyError.code.startsWith('FST_')
        ? fastifyError.code
        : undefined;
    return build(
      statusCode,
      ownCode ?? CODE_BY_STATUS[statusCode] ?? 'BAD_REQUEST',
      fastifyError?.message || reason(statusCode),
    );
  }
  if (statusCode === 503) {
    return build(
      503,
      'SERVICE_UNAVAILABLE',
      'The service is temporarily unavailable; retry later',
    );
  }
  return build(
    500,
    'INTERNAL_ERROR',
    'An unexpected error occurred; quote the requestId when reporting it',
  );
}

/**
 * The one error handler (set by createServer on the root instance). A database
 * outage is a 503 with Retry-After, wherever it surfaced (a route, an auth hook).
 */
export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const body = toErrorResponse(error, request.id);
  if (body.statusCode === 503 && !reply.hasHeader('retry-after')) {
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  }
  if (body.statusCode === 503) {
    request.log.warn(
      { err: error, 'http.response.status_code': 503 },
      'request refused: a dependency is unavailable',
    );
  } else if (body.statusCode >= 500) {
    request.log.error(
      { err: error, 'http.response.status_code': body.statusCode },
      'request failed',
    );
  } else {
    request.log.debug(
      { 'error.code': body.code, 'error.message': body.message },
      'request rejected',
    );
  }
  return reply
    .code(body.statusCode)
    .type('application/json; charset=utf-8')
    .send(body);
}

/** Unknown routes: the same body shape, and no echo of the raw URL beyond its path. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = (request.url.split('?', 1)[0] ?? '').slice(0, 200);
  const body: ErrorResponse = {
    statusCode: 404,
    code: 'NOT_FOUND',
    error: reason(404),
    message: `No route for ${request.method} ${path}`,
    requestId: request.id,
  };
  return reply.code(404).type('application/json; charset=utf-8').send(body);
}
