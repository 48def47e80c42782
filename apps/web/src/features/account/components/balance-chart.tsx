import { useId } from 'react';
import { formatMoney } from '../../../lib/money';
import { useAccount } from '../api/account';
import { useRecentHistory } from '../api/balance-history';
import { dailyBalances, type DailyBalance } from '../lib/balance-series';

export const CHART_DAYS = 30;
const WIDTH = 300;
const HEIGHT = 72;
const PAD = 4;

/** The polyline's points for the series, scaled into the view box (y grows downwards). */
export function chartPoints(series: readonly DailyBalance[]): string {
  const values = series.map((d) => d.balance);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = series.length > 1 ? (WIDTH - 2 * PAD) / (series.length - 1) : 0;
  return series
    .map((d, i) => {
      const x = PAD + i * step;
      const y =
        max === min
          ? HEIGHT / 2
          : PAD + ((max - d.balance) / span) * (HEIGHT - 2 * PAD);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** A sentence for people who cannot see the chart (its text alternative). */
export function describeSeries(
  series: readonly DailyBalance[],
  currency: string,
): string {
  const first = series[0];
  const last = series.at(-1);
  if (!first || !last) return 'No balance history yet.';
  const values = series.map((d) => d.balance);
  const money = (minor: number) => formatMoney(minor, currency);
  return (
    `Balance over the last ${series.length} days: ${money(first.balance)} on ${first.day}, ` +
    `${money(last.balance)} on ${last.day}; lowest ${money(Math.min(...values))}, highest ${money(Math.max(...values))}.`
  );
}

/**
 * The balance over the last 30 days, drawn by hand in SVG (no chart library:
 * it stays inside the first-load budget). The SVG is an image with a text
 * alternative; the same figures are a table for screen readers (WCAG 1.1.1, 1.3.1).
 */
export function BalanceChart() {
  const id = useId();
  const account = useAccount();
  const history = useRecentHistory(CHART_DAYS);
  if (!history.data || !account.data) return null;
  const { balance, currency } = account.data;
  const series = dailyBalances(history.data, balance, CHART_DAYS, new Date());
  const points = chartPoints(series);

  return (
    <section
      className="card balance-chart-card"
      aria-labelledby={`${id}-caption`}
    >
      <figure className="balance-chart">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          role="img"
          aria-labelledby={`${id}-title ${id}-desc`}
          preserveAspectRatio="none"
          focusable="false"
        >
          <title id={`${id}-title`}>Balance, last {CHART_DAYS} days</title>
          <desc id={`${id}-desc`}>{describeSeries(series, currency)}</desc>
          <polyline
            points={`${PAD},${HEIGHT - PAD} ${points} ${WIDTH - PAD},${HEIGHT - PAD}`}
            className="balance-chart-area"
          />
          <polyline points={points} className="balance-chart-line" />
        </svg>
        <figcaption id={`${id}-caption`} className="balance-chart-caption">
          Balance, last {CHART_DAYS} days
        </figcaption>
        <table className="visually-hidden">
          <caption>
            Balance at the end of each of the last {CHART_DAYS} days
          </caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Balance</th>
            </tr>
          </thead>
          <tbody>
            {series.map((d) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                <td>{formatMoney(d.balance, currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figure>
    </section>
  );
}
