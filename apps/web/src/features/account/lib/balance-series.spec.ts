import { historyEntry } from '../../../testing/data';
import { dailyBalances, windowStart } from './balance-series';

// Local noon, so the test holds in every time zone.
const now = new Date(2026, 10, 30, 12, 0, 0);
const at = (day: number, hour = 10) => new Date(2026, 10, day, hour).toISOString();

describe('dailyBalances', () => {
  it('when there is no history, then every day closes on the current balance', () => {
    const series = dailyBalances([], 5_000, 30, now);

    expect(series).toHaveLength(30);
    expect(series[0]).toEqual({ day: '2026-11-01', balance: 5_000 });
    expect(series.at(-1)).toEqual({ day: '2026-11-30', balance: 5_000 });
  });

  it('when entries fall on some days, then each day closes on its newest entry and days before close on the balance before the oldest', () => {
    const newestFirst = [
      historyEntry({ direction: 'out', amount: 300, balanceAfter: 1_700, createdAt: at(20, 18) }),
      historyEntry({ direction: 'in', amount: 1_000, balanceAfter: 2_000, createdAt: at(20, 9) }),
      historyEntry({ direction: 'in', amount: 500, balanceAfter: 1_000, createdAt: at(10) }),
    ];

    const series = dailyBalances(newestFirst, 1_700, 30, now);
    const on = (day: string) => series.find((d) => d.day === day)?.balance;

    expect(on('2026-11-09')).toBe(500);
    expect(on('2026-11-10')).toBe(1_000);
    expect(on('2026-11-19')).toBe(1_000);
    expect(on('2026-11-20')).toBe(1_700);
    expect(on('2026-11-30')).toBe(1_700);
  });

  it('when the window is asked for, then it starts at local midnight days - 1 days ago', () => {
    expect(windowStart(30, now)).toEqual(new Date(2026, 10, 1));
  });
});
