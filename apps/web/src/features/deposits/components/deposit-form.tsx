import {
  DAILY_DEPOSIT_LIMIT_MINOR,
  DEFAULT_CURRENCY,
  DepositRequestSchema,
  MAX_DEPOSIT_MINOR,
  type DepositRequest,
  type DepositResponse,
} from '@flotilla/contracts';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { TextField } from '../../../components/ui/text-field';
import { isApiError, isTransient } from '../../../lib/api-error';
import { createSubmissionKeys } from '../../../lib/idempotency';
import { formatMoney, parseAmount } from '../../../lib/money';
import { mapServerError } from '../../../lib/server-errors';
import { schemaIssues } from '../../../lib/validation';
import { amountParseMessage } from '../../transfers/components/transfer-validation';
import { useCreateDeposit } from '../api/create-deposit';

export function validateDeposit(amount: string, currency: string): { request?: DepositRequest; error?: string } {
  const parsed = parseAmount(amount, currency);
  if (!parsed.ok) return { error: amountParseMessage(parsed.reason, currency, MAX_DEPOSIT_MINOR, 'deposit') };
  const request = { amount: parsed.minor };
  const issue = schemaIssues(DepositRequestSchema, request)[0];
  if (!issue) return { request };
  return {
    error:
      issue.keyword === 'minimum'
        ? `Enter an amount of at least ${formatMoney(1, currency)}.`
        : `You can deposit at most ${formatMoney(MAX_DEPOSIT_MINOR, currency)} at a time.`,
  };
}

export function DepositForm({ currency = DEFAULT_CURRENCY }: { currency?: string }) {
  const id = useId();
  const [amount, setAmount] = useState('');
  const [touched, setTouched] = useState(false);
  const [serverErrors, setServerErrors] = useState<{ amount?: string; form?: string }>({});
  const [done, setDone] = useState<DepositResponse | undefined>();
  const keys = useRef(createSubmissionKeys());
  const inFlight = useRef(false);
  const deposit = useCreateDeposit();

  const { request, error: clientError } = validateDeposit(amount, currency);
  const amountError = serverErrors.amount ?? (touched ? clientError : undefined);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched(true);
    if (inFlight.current) return;
    if (!request) {
      document.getElementById(`${id}-amount`)?.focus();
      return;
    }
    inFlight.current = true;
    setServerErrors({});
    deposit.mutate(
      { request, idempotencyKey: keys.current.keyFor(request) },
      {
        onSuccess: (result) => {
          keys.current.reset();
          setDone(result);
          setAmount('');
          setTouched(false);
        },
        onError: (error) => {
          if (isApiError(error) && error.status === 401) return;
          if (isTransient(error)) {
            setServerErrors({ form: `${error.message} Trying again is safe: the deposit will not be made twice.` });
            return;
          }
          keys.current.reset();
          setServerErrors(
            mapServerError(error, ['amount'] as const, {
              DAILY_DEPOSIT_LIMIT: {
                field: 'amount',
                message: `This would take you over the daily deposit limit of ${formatMoney(DAILY_DEPOSIT_LIMIT_MINOR, currency)}.`,
              },
            }),
          );
        },
        onSettled: () => {
          inFlight.current = false;
        },
      },
    );
  };

  return (
    <section className="card deposit-card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Deposit</h2>
      <form noValidate onSubmit={submit}>
        <TextField
          id={`${id}-amount`}
          label="Deposit amount"
          inputMode="decimal"
          autoComplete="off"
          hint={`In ${currency}, up to ${formatMoney(MAX_DEPOSIT_MINOR, currency)} at a time.`}
          value={amount}
          onChange={(event) => {
            setAmount(event.target.value);
            if (event.target.value !== '') setTouched(true);
            setServerErrors({});
            setDone(undefined);
          }}
          onBlur={() => setTouched(true)}
          error={amountError}
        />
        {serverErrors.form ? (
          <p className="form-error" role="alert">
            {serverErrors.form}
          </p>
        ) : null}
        <Button type="submit" disabled={deposit.isPending}>
          Deposit
        </Button>
      </form>
      <p className={done && !deposit.isPending ? 'form-status success' : 'form-status'} role="status">
        {deposit.isPending ? 'Depositing…' : done ? `Deposited ${formatMoney(done.amount, done.currency)}.` : null}
      </p>
    </section>
  );
}
