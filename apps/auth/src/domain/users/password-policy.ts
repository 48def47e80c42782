import type { FieldProblem } from '../errors';
import { COMMON_PASSWORDS, foldPassword as fold } from './common-passwords';

/**
 * NIST SP 800-63B §3.1.1.2 / ASVS 5.0 V6.2: length, not composition. Lengths are
 * counted in Unicode code points after NFC normalisation, the same form that is hashed.
 */
export interface PasswordPolicyOptions {
  readonly minLength: number;
  readonly maxLength: number;
}

export interface PasswordContext {
  readonly email?: string;
  readonly displayName?: string;
}

export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
  /** Empty when the password is acceptable. */
  check(password: string, context?: PasswordContext): FieldProblem[];
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicyOptions = { minLength: 15, maxLength: 128 };

export function normalisePassword(password: string): string {
  return password.normalize('NFC');
}

export function createPasswordPolicy(options: PasswordPolicyOptions, commonPasswords: ReadonlySet<string> = COMMON_PASSWORDS): PasswordPolicy {
  if (options.minLength < 8 || options.maxLength < 64 || options.maxLength < options.minLength) {
    throw new RangeError('password policy: minLength must be ≥ 8 and maxLength ≥ 64 (ASVS 6.2.1, 6.2.9)');
  }
  return {
    minLength: options.minLength,
    maxLength: options.maxLength,
    check(password, context = {}) {
      const normalised = normalisePassword(password);
      const length = [...normalised].length;
      if (length < options.minLength) {
        return [{ field: 'password', message: `Password must be at least ${options.minLength} characters long.` }];
      }
      if (length > options.maxLength) {
        return [{ field: 'password', message: `Password must be at most ${options.maxLength} characters long.` }];
      }
      if (isCommon(normalised, commonPasswords)) {
        return [{ field: 'password', message: 'This password is too common. Choose a less predictable one, such as a few unrelated words.' }];
      }
      if (isContextual(normalised, context)) {
        return [{ field: 'password', message: 'Password must not be based on your email address or name.' }];
      }
      return [];
    },
  };
}

function isCommon(password: string, list: ReadonlySet<string>): boolean {
  const folded = fold(password);
  if (list.has(password.toLowerCase()) || list.has(folded)) return true;
  const unit = repeatedUnit(folded);
  // 'passwordpasswordpassword', 'abcabcabc…', 'aaaaaaaa…': a short or listed word repeated.
  return unit !== undefined && (unit.length <= 4 || list.has(unit));
}

/** The shortest string whose repetition makes up `value`, if there is one. */
function repeatedUnit(value: string): string | undefined {
  const chars = [...value];
  for (let size = 1; size <= chars.length / 2; size += 1) {
    if (chars.length % size !== 0) continue;
    const unit = chars.slice(0, size).join('');
    if (unit.repeat(chars.length / size) === value) return unit;
  }
  return undefined;
}

function isContextual(password: string, context: PasswordContext): boolean {
  const folded = fold(password);
  const candidates = [context.email, context.email?.split('@')[0], context.displayName]
    .filter((c): c is string => typeof c === 'string')
    .map(fold)
    .filter((c) => c.length >= 4);
  return candidates.some((c) => folded === c || repeatedUnit(folded) === c);
}
