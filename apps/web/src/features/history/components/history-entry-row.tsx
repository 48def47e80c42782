import type { HistoryEntry } from '@flotilla/contracts';
import { formatMoney } from '../../../lib/money';

export function describeEntry(entry: HistoryEntry): string {
  if (entry.kind === 'deposit') return 'Deposit';
  const who = entry.counterparty?.displayName || entry.counterparty?.email || 'someone';
  return entry.direction === 'in' ? `From ${who}` : `To ${who}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function HistoryEntryRow({ entry }: { entry: HistoryEntry }) {
  const sign = entry.direction === 'in' ? '+' : '−';
  return (
    <li className={`entry entry-${entry.direction}`}>
      <div className="entry-main">
        <span className="entry-title">{describeEntry(entry)}</span>
        {entry.note ? <span className="entry-note">{entry.note}</span> : null}
        <time className="entry-time" dateTime={entry.createdAt}>
          {dateFormat.format(new Date(entry.createdAt))}
        </time>
      </div>
      <div className="entry-figures">
        <span className="entry-amount">
          <span className="visually-hidden">{entry.direction === 'in' ? 'Received ' : 'Paid '}</span>
          <span aria-hidden="true">{sign}</span>
          {formatMoney(entry.amount, entry.currency)}
        </span>
        <span className="entry-balance">Balance {formatMoney(entry.balanceAfter, entry.currency)}</span>
      </div>
    </li>
  );
}
