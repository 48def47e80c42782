import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorHandler } from '@flotilla/service-kit';

// Connection-level failures of PostgreSQL (node-postgres, Prisma's adapter and
// engine codes): the request was fine, the database was not there.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  'P1001', // can't reach database server
  'P1002', // database server timed out
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool
]);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Can't reach database|connect ECONNREFUSED/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth += 1) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; kind?: unknown };
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if (e.kind === 'DatabaseNotReachable' || e.kind === 'ConnectionClosed' || e.kind === 'SocketTimeout') return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    current = e.cause;
  }
  return false;
}

/** The house error handler, with database outages answered 503 + Retry-After instead of 500. */
export function authErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    reply.header('retry-after', '5');
    return errorHandler(
      new AppError(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry later') as unknown as FastifyError,
      request,
      reply,
    );
  }
  return errorHandler(error, request, reply);
}
