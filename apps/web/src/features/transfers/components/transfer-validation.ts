import { MAX_TRANSFER_MINOR, NOTE_MAX_LENGTH, TransferRequestSchema, type TransferRequest } from '@flotilla/contracts';
import { formatMoney, parseAmount, fractionDigits } from '../../../lib/money';
import { schemaIssues } from '../../../lib/validation';

export type TransferField = 'recipientEmail' | 'amount' | 'note';
export type TransferValues = Record<TransferField, string>;
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

export const emptyTransfer: TransferValues = { recipientEmail: '', amount: '', note: '' };

export function isTransferValues(value: unknown): value is TransferValues {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (['recipientEmail', 'amount', 'note'] as const).every((key) => typeof record[key] === 'string');
}

/**
 * Builds the request and checks it against TransferRequestSchema, the schema the
 * API validates with, then words each problem for a person.
 */
export function validateTransfer(
  values: TransferValues,
  currency: string,
): { request?: TransferRequest; errors: FieldErrors<TransferField> } {
  const errors: FieldErrors<TransferField> = {};
  const recipientEmail = values.recipientEmail.trim();
  const parsed = parseAmount(values.amount, currency);
  const candidate = {
    recipientEmail,
    // A placeholder that passes the amount rules, so only the parse problem is reported.
    amount: parsed.ok ? parsed.minor : 1,
    ...(values.note === '' ? {} : { note: values.note }),
  };

  if (recipientEmail === '') errors.recipientEmail = "Enter the recipient's email address.";
  if (!parsed.ok) errors.amount = amountParseMessage(parsed.reason, currency, MAX_TRANSFER_MINOR, 'send');

  for (const issue of schemaIssues(TransferRequestSchema, candidate)) {
    const field = issue.field as TransferField;
    if (errors[field]) continue;
    if (field === 'recipientEmail') {
      errors.recipientEmail =
        issue.keyword === 'maxLength'
          ? 'That email address is too long.'
          : 'Enter a valid email address, like name@example.com.';
    } else if (field === 'amount') {
      errors.amount =
        issue.keyword === 'minimum'
          ? `Enter an amount of at least ${formatMoney(1, currency)}.`
          : `You can send at most ${formatMoney(MAX_TRANSFER_MINOR, currency)} in one transfer.`;
    } else if (field === 'note') {
      errors.note = `Keep the note to ${NOTE_MAX_LENGTH} characters or fewer (it has ${values.note.length}).`;
    }
  }

  return Object.keys(errors).length === 0 ? { request: candidate, errors } : { errors };
}

export function amountParseMessage(
  reason: 'empty' | 'format' | 'precision' | 'too-large',
  currency: string,
  max: number,
  verb: string,
): string {
  switch (reason) {
    case 'empty':
      return 'Enter an amount.';
    case 'format':
      return `Enter an amount using digits, like ${formatMoney(1250, currency).replace(/[^\d.,]/g, '')}.`;
    case 'precision':
      return `Use at most ${fractionDigits(currency)} decimal places.`;
    case 'too-large':
      return `You can ${verb} at most ${formatMoney(max, currency)} at a time.`;
  }
}
