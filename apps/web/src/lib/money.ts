/**
 * Money is integer minor units end to end. The user's text is parsed digit by
 * digit, never through a float, so "0.29" is exactly 29 and not 28.999….
 */
export type AmountParse =
  | { ok: true; minor: number }
  | { ok: false; reason: 'empty' | 'format' | 'precision' | 'too-large' };

const fractionDigitsCache = new Map<string, number>();

export function fractionDigits(currency: string): number {
  let digits = fractionDigitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    fractionDigitsCache.set(currency, digits);
  }
  return digits;
}

export function parseAmount(input: string, currency: string): AmountParse {
  // Spaces and the thin/no-break spaces some keyboards insert are grouping only.
  const text = input.trim().replace(/[\s\u00a0\u202f]/g, '');
  if (text === '') return { ok: false, reason: 'empty' };
  // One decimal separator, "." or ","; no signs, exponents or grouping commas.
  const match = /^(\d*)(?:[.,](\d*))?$/.exec(text);
  if (!match || (match[1] === '' && (match[2] ?? '') === '')) return { ok: false, reason: 'format' };
  const whole = match[1] || '0';
  const fraction = match[2] ?? '';
  const digits = fractionDigits(currency);
  if (fraction.length > digits) return { ok: false, reason: 'precision' };
  const minorText = (whole + fraction.padEnd(digits, '0')).replace(/^0+(?=\d)/, '');
  if (minorText.length > 15) return { ok: false, reason: 'too-large' };
  const minor = Number(minorText);
  return Number.isSafeInteger(minor) ? { ok: true, minor } : { ok: false, reason: 'too-large' };
}

const formatterCache = new Map<string, Intl.NumberFormat>();

export function formatMoney(minor: number, currency: string, locale?: string): string {
  const key = `${locale ?? ''}|${currency}`;
  let formatter = formatterCache.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatterCache.set(key, formatter);
  }
  const digits = fractionDigits(currency);
  // Display only: the quotient is the double nearest the exact value, and Intl
  // rounds it back to `digits` places, which is exact for every safe integer.
  return formatter.format(minor / 10 ** digits);
}

/** Renders minor units back into what a user would type, e.g. 1250 → "12.50". */
export function toAmountInput(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  if (digits === 0) return String(minor);
  const text = String(minor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
