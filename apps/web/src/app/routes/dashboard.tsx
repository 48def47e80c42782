import { DEFAULT_CURRENCY } from '@flotilla/contracts';
import { useAccount } from '../../features/account/api/account';
import { BalanceCard } from '../../features/account/components/balance-card';
import { BalanceChart } from '../../features/account/components/balance-chart';
import { LiveActivity } from '../../features/activity/components/live-activity';
import { DepositForm } from '../../features/deposits/components/deposit-form';
import { HistorySection } from '../../features/history/components/history-section';
import { TransferForm } from '../../features/transfers/components/transfer-form';

export default function Dashboard() {
  const account = useAccount();
  const currency = account.data?.currency ?? DEFAULT_CURRENCY;
  return (
    <div className="dashboard">
      <BalanceCard />
      <BalanceChart />
      <TransferForm currency={currency} />
      <DepositForm currency={currency} />
      <LiveActivity />
      <HistorySection />
    </div>
  );
}
