/**
 * Failures a use case reports to its caller. Routes map `code` to an HTTP status;
 * the message is safe to show to the user who caused it.
 */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'WEAK_PASSWORD'
  | 'EMAIL_TAKEN'
  | 'INVALID_CREDENTIALS'
  | 'TOO_MANY_ATTEMPTS'
  | 'USER_NOT_FOUND'
  | 'INVALID_RESET_TOKEN'
  | 'TOO_MANY_PASSKEYS';

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: readonly FieldProblem[];
  /** For TOO_MANY_ATTEMPTS: seconds until the next attempt may succeed. */
  readonly retryAfterSeconds?: number;

  constructor(code: DomainErrorCode, message: string, options: { details?: readonly FieldProblem[]; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = options.details ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
