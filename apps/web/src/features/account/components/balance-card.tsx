import { ErrorState, Loading } from '../../../components/ui/states';
import { isApiError } from '../../../lib/api-error';
import { formatMoney } from '../../../lib/money';
import { ACCOUNT_NOT_READY, useAccount } from '../api/account';

export function BalanceCard() {
  const account = useAccount();
  const settingUp = isApiError(account.error ?? account.failureReason, ACCOUNT_NOT_READY);

  return (
    <section className="card balance-card" aria-labelledby="balance-title">
      <h2 id="balance-title">Balance</h2>
      {account.data ? (
        <p className="balance-amount">
          {formatMoney(account.data.balance, account.data.currency)}
        </p>
      ) : settingUp && account.isFetching ? (
        <Loading label="Setting up your account…" />
      ) : account.isPending && account.isFetching ? (
        <Loading label="Loading balance…" />
      ) : (
        <ErrorState
          message={
            settingUp
              ? 'Your account is still being set up. This usually takes a few seconds.'
              : (account.error?.message ?? 'Your balance could not be loaded.')
          }
          onRetry={() => void account.refetch()}
          retrying={account.isFetching}
        />
      )}
    </section>
  );
}
