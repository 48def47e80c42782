import type { Direction } from '@flotilla/contracts';
import { useId, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { paths } from '../../../config/constants';
import { apiUrl } from '../../../lib/api-client';
import { EmptyState, ErrorState, Loading } from '../../../components/ui/states';
import { useHistory, type HistoryFilters } from '../api/history';
import { HistoryEntryRow } from './history-entry-row';

interface FilterInputs {
  direction: '' | Direction;
  from: string;
  to: string;
}

/** Date inputs are local calendar days; the API takes instants, so the bounds are the day's first and last millisecond here. */
export function toHistoryFilters(inputs: FilterInputs): { filters?: HistoryFilters; error?: string } {
  const from = inputs.from ? new Date(`${inputs.from}T00:00:00`) : undefined;
  const to = inputs.to ? new Date(`${inputs.to}T23:59:59.999`) : undefined;
  if ((from && Number.isNaN(from.getTime())) || (to && Number.isNaN(to.getTime()))) {
    return { error: 'Enter dates as day, month and year.' };
  }
  if (from && to && from > to) return { error: '"From" must be on or before "To".' };
  return {
    filters: {
      ...(inputs.direction ? { direction: inputs.direction } : {}),
      ...(from ? { from: from.toISOString() } : {}),
      ...(to ? { to: to.toISOString() } : {}),
    },
  };
}

export function HistorySection() {
  const id = useId();
  const [inputs, setInputs] = useState<FilterInputs>({ direction: '', from: '', to: '' });
  const { filters, error: filterError } = toHistoryFilters(inputs);
  const history = useHistory(filters ?? {}, { enabled: filters !== undefined });
  const filtered = Boolean(inputs.direction || inputs.from || inputs.to);
  const items = history.data?.pages.flatMap((page) => page.items) ?? [];

  const set = (key: keyof FilterInputs) => (event: { target: { value: string } }) =>
    setInputs((current) => ({ ...current, [key]: event.target.value }));

  return (
    <section className="card history" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>History</h2>
      <fieldset className="filters">
        <legend className="visually-hidden">Filter history</legend>
        <div className="field">
          <label htmlFor={`${id}-direction`}>Direction</label>
          <select id={`${id}-direction`} value={inputs.direction} onChange={set('direction')}>
            <option value="">All</option>
            <option value="in">Money in</option>
            <option value="out">Money out</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>From</label>
          <input
            id={`${id}-from`}
            type="date"
            value={inputs.from}
            onChange={set('from')}
            aria-invalid={filterError ? true : undefined}
            aria-describedby={filterError ? `${id}-filter-error` : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To</label>
          <input
            id={`${id}-to`}
            type="date"
            value={inputs.to}
            onChange={set('to')}
            aria-invalid={filterError ? true : undefined}
            aria-describedby={filterError ? `${id}-filter-error` : undefined}
          />
        </div>
      </fieldset>
      {filters ? (
        <p className="history-export">
          {/* The same filters, the whole period, as a file the API streams (GET /api/history.csv). */}
          <a href={apiUrl(paths.historyCsv, { ...filters })} download>
            Download CSV{filtered ? ' (these filters)' : ''}
          </a>
        </p>
      ) : null}
      {filterError ? (
        <p id={`${id}-filter-error`} className="field-error" role="alert">
          {filterError}
        </p>
      ) : history.isPending ? (
        <Loading label="Loading history…" />
      ) : history.isError && items.length === 0 ? (
        <ErrorState
          message={`Your history could not be loaded. ${history.error.message}`}
          onRetry={() => void history.refetch()}
          retrying={history.isFetching}
        />
      ) : items.length === 0 ? (
        <EmptyState>{filtered ? 'No transactions match these filters.' : 'No transactions yet.'}</EmptyState>
      ) : (
        <>
          <ul className="entries" aria-label="Transactions">
            {items.map((entry) => (
              <HistoryEntryRow key={entry.id} entry={entry} />
            ))}
          </ul>
          {history.isFetchNextPageError ? (
            <ErrorState
              message="More history could not be loaded."
              onRetry={() => void history.fetchNextPage()}
              retrying={history.isFetchingNextPage}
            />
          ) : history.hasNextPage ? (
            <Button variant="secondary" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
              {history.isFetchingNextPage ? 'Loading more…' : 'Load more'}
            </Button>
          ) : (
            <p className="state state-end">That is everything.</p>
          )}
        </>
      )}
    </section>
  );
}
