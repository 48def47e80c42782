import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
// A superset of what the gateway keeps (docker/nginx/nginx.conf), so an id it passes on is never replaced here.
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes the caller's (or the proxy's) x-request-id when it is a plain token of
 * at most 128 characters; anything else (log injection, huge values) is
 * replaced by a fresh UUID.
 */
export function genReqId(req: Pick<IncomingMessage, 'headers'>): string {
  const header = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && VALID_REQUEST_ID.test(value)
    ? value
    : randomUUID();
}
