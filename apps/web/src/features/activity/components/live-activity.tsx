import type { ActivityEvent } from '@flotilla/contracts';
import { useId } from 'react';
import { formatMoney } from '../../../lib/money';
import { useActivityStream, type StreamStatus } from '../api/activity-stream';

const statusText: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Connection lost. Reconnecting…',
};

export function describeActivity(event: ActivityEvent): string {
  const { entry } = event;
  const amount = formatMoney(entry.amount, entry.currency);
  if (entry.kind === 'deposit') return `Deposited ${amount}`;
  const who = entry.counterparty ? `${entry.counterparty.displayName} (${entry.counterparty.email})` : 'someone';
  const note = entry.note ? `: "${entry.note}"` : '';
  return entry.direction === 'in' ? `Received ${amount} from ${who}${note}` : `Sent ${amount} to ${who}${note}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export function LiveActivity() {
  const id = useId();
  const { status, events } = useActivityStream();
  return (
    <section className="card activity" aria-labelledby={`${id}-title`}>
      <div className="card-heading">
        <h2 id={`${id}-title`}>Live activity</h2>
        <p className={`stream-status stream-${status}`}>
          <span className="dot" aria-hidden="true" />
          <span className="visually-hidden">Connection: </span>
          <span>{statusText[status]}</span>
        </p>
      </div>
      <div role="log" aria-live="polite" aria-labelledby={`${id}-title`}>
        <ol className="activity-feed">
          {events.map((event) => (
            <li key={event.sequence} className={`activity-item activity-${event.entry.direction}`}>
              {describeActivity(event)}{' '}
              <time dateTime={event.entry.createdAt}>{timeFormat.format(new Date(event.entry.createdAt))}</time>
            </li>
          ))}
        </ol>
      </div>
      {events.length === 0 ? (
        <p className="state state-empty">Nothing yet. Payments you send or receive appear here as they happen.</p>
      ) : null}
    </section>
  );
}
