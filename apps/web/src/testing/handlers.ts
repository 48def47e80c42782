import type { AccountSummary, ErrorResponse, HistoryPage, MeResponse } from '@flotilla/contracts';
import { http, HttpResponse } from 'msw';
import { account, historyPage, me } from './data';

/** A signed-in user with an account and an empty history; tests override per case with server.use(). */
export const handlers = [
  http.get<never, never, MeResponse>('/api/me', () => HttpResponse.json(me)),
  http.get<never, never, AccountSummary>('/api/account', () => HttpResponse.json(account())),
  http.get<never, never, HistoryPage>('/api/history', () => HttpResponse.json(historyPage([]))),
];

export function errorBody(statusCode: number, code: string, message: string, details?: ErrorResponse['details']): ErrorResponse {
  const reason: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    404: 'Not Found',
    409: 'Conflict',
    422: 'Unprocessable Entity',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return { statusCode, code, error: reason[statusCode] ?? 'Error', message, ...(details ? { details } : {}) };
}

export const errorResponse = (statusCode: number, code: string, message: string, details?: ErrorResponse['details']) =>
  HttpResponse.json<ErrorResponse>(errorBody(statusCode, code, message, details), { status: statusCode });
