import { DEFAULT_CURRENCY, NOTE_MAX_LENGTH, type TransferResponse } from '@flotilla/contracts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { TextField } from '../../../components/ui/text-field';
import { storageKeys } from '../../../config/constants';
import { isApiError, isTransient } from '../../../lib/api-error';
import { createSubmissionKeys } from '../../../lib/idempotency';
import { formatMoney } from '../../../lib/money';
import { mapServerError } from '../../../lib/server-errors';
import { registerDraft, takeDraft } from '../../../lib/session';
import { useCreateTransfer } from '../api/create-transfer';
import {
  emptyTransfer,
  isTransferValues,
  validateTransfer,
  type FieldErrors,
  type TransferField,
  type TransferValues,
} from './transfer-validation';

const FIELDS = ['recipientEmail', 'amount', 'note'] as const;
type Touched = Partial<Record<TransferField, boolean>>;

export function TransferForm({ currency = DEFAULT_CURRENCY }: { currency?: string }) {
  const id = useId();
  const [initial] = useState(() => {
    const draft = takeDraft(storageKeys.transferDraft, isTransferValues);
    return { values: draft ?? emptyTransfer, restored: draft !== undefined };
  });
  const [values, setValues] = useState<TransferValues>(initial.values);
  const [restored, setRestored] = useState(initial.restored);
  const [touched, setTouched] = useState<Touched>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<TransferField | 'form', string>>>({});
  const [sent, setSent] = useState<TransferResponse | undefined>();
  const keys = useRef(createSubmissionKeys());
  const inFlight = useRef(false);
  const valuesRef = useRef(values);
  const transfer = useCreateTransfer();

  useEffect(() => {
    valuesRef.current = values;
  }, [values]);

  useEffect(
    () =>
      registerDraft(storageKeys.transferDraft, () => {
        const current = valuesRef.current;
        return FIELDS.some((field) => current[field] !== '') ? current : undefined;
      }),
    [],
  );

  const { request, errors: clientErrors } = validateTransfer(values, currency);
  const visibleError = (field: TransferField): string | undefined =>
    serverErrors[field] ?? (submitted || touched[field] ? clientErrors[field] : undefined);

  const change = (field: TransferField) => (event: { target: { value: string } }) => {
    const value = event.target.value;
    setValues((current) => ({ ...current, [field]: value }));
    // Amounts and notes are judged as you type; an email only once you leave the field.
    if (field !== 'recipientEmail' && value !== '') setTouched((current) => ({ ...current, [field]: true }));
    setServerErrors((current) => ({ ...current, [field]: undefined, form: undefined }));
    setSent(undefined);
  };
  const blur = (field: TransferField) => () => setTouched((current) => ({ ...current, [field]: true }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitted(true);
    setRestored(false);
    if (inFlight.current) return;
    if (!request) {
      const firstInvalid = FIELDS.find((field) => clientErrors[field]);
      if (firstInvalid) document.getElementById(`${id}-${firstInvalid}`)?.focus();
      return;
    }
    inFlight.current = true;
    setServerErrors({});
    transfer.mutate(
      { request, idempotencyKey: keys.current.keyFor(request) },
      {
        onSuccess: (result) => {
          keys.current.reset();
          setSent(result);
          setValues(emptyTransfer);
          setTouched({});
          setSubmitted(false);
        },
        onError: (error) => {
          if (isApiError(error) && error.status === 401) return; // signing in again; the draft is saved
          if (isTransient(error)) {
            // The outcome is unknown, so the same key is kept: sending again cannot pay twice.
            setServerErrors({
              form: `${error.message} Sending again is safe: the transfer will not be made twice.`,
            });
            return;
          }
          // A definite refusal changed nothing; a corrected or repeated send is a new submission.
          keys.current.reset();
          setServerErrors(
            mapServerError(error, FIELDS, {
              RECIPIENT_NOT_FOUND: { field: 'recipientEmail', message: 'No Flotilla account uses this email address.' },
              INSUFFICIENT_FUNDS: { field: 'amount', message: 'Your balance is too low for this transfer.' },
            }),
          );
        },
        onSettled: () => {
          inFlight.current = false;
        },
      },
    );
  };

  const pending = transfer.isPending;
  const noteHint = `Optional. ${values.note.length}/${NOTE_MAX_LENGTH} characters.`;
  const fieldErrors: FieldErrors<TransferField> = {
    recipientEmail: visibleError('recipientEmail'),
    amount: visibleError('amount'),
    note: visibleError('note'),
  };

  return (
    <section className="card transfer-card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Send money</h2>
      {restored ? (
        <p className="notice">
          We kept your unsent transfer while you signed in again. Check it, then press Send.
        </p>
      ) : null}
      <form noValidate onSubmit={submit} aria-describedby={serverErrors.form ? `${id}-form-error` : undefined}>
        <TextField
          id={`${id}-recipientEmail`}
          label="Recipient email"
          type="email"
          // Not "email": that autofills the sender's own address.
          autoComplete="off"
          inputMode="email"
          spellCheck={false}
          value={values.recipientEmail}
          onChange={change('recipientEmail')}
          onBlur={blur('recipientEmail')}
          error={fieldErrors.recipientEmail}
        />
        <TextField
          id={`${id}-amount`}
          label="Amount"
          inputMode="decimal"
          autoComplete="off"
          hint={`In ${currency}, for example 12.50.`}
          value={values.amount}
          onChange={change('amount')}
          onBlur={blur('amount')}
          error={fieldErrors.amount}
        />
        <TextField
          id={`${id}-note`}
          label="Note"
          autoComplete="off"
          hint={noteHint}
          value={values.note}
          onChange={change('note')}
          onBlur={blur('note')}
          error={fieldErrors.note}
        />
        {serverErrors.form ? (
          <p id={`${id}-form-error`} className="form-error" role="alert">
            {serverErrors.form}
          </p>
        ) : null}
        <Button type="submit" disabled={pending}>
          Send
        </Button>
      </form>
      {/* Always mounted: a live region announces changes, not its own insertion. */}
      <p className={sent && !pending ? 'form-status success' : 'form-status'} role="status">
        {pending
          ? 'Sending…'
          : sent
            ? `Sent ${formatMoney(sent.amount, sent.currency)} to ${sent.recipient.displayName} (${sent.recipient.email}).`
            : null}
      </p>
    </section>
  );
}
