import type { ActivityReader, ActivityRecord, HistoryFilter } from './history';
import { csvField, csvRecord, exportHistoryCsv, historyCsvFilename } from './history-csv';

function row(sequence: number, extra: Partial<ActivityRecord> = {}): ActivityRecord {
  return {
    sequence: String(sequence),
    movementId: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    kind: 'deposit',
    direction: 'in',
    amount: 100n,
    currency: 'EUR',
    balanceAfter: BigInt(sequence * 100),
    createdAt: new Date(Date.UTC(2026, 10, 1, 0, 0, sequence)),
    ...extra,
  } as ActivityRecord;
}

/** A reader over rows held newest first, recording every filter it was asked for. */
function readerOver(rows: ActivityRecord[]): ActivityReader & { calls: HistoryFilter[] } {
  const calls: HistoryFilter[] = [];
  return {
    calls,
    async listHistory(_userId, filter) {
      calls.push(filter);
      const before = filter.beforeSequence === undefined ? Infinity : Number(filter.beforeSequence);
      return rows.filter((r) => Number(r.sequence) < before).slice(0, filter.limit);
    },
    listAfter: async () => [],
    findByMovement: async () => null,
  };
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

describe('CSV fields', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', `"'+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tcmd', `"'\tcmd"`],
    ['\rcmd', `"'\rcmd"`],
  ])('when the text is %p, then the field is %p', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('when a value is a number or missing, then it is written bare or empty', () => {
    expect(csvRecord([-5, undefined, 'x'])).toBe('-5,,x\r\n');
  });
});

describe('exportHistoryCsv', () => {
  it('when the period holds more rows than a batch, then every row comes once, newest first, read by keyset pages', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => row(7 - i));
    const reader = readerOver(rows);

    const csv = await text(await exportHistoryCsv(reader, 'user-1', { direction: 'in' }, 3));

    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('date,id,kind,direction,amount_minor,currency,counterparty_email,counterparty_name,note,balance_after_minor');
    expect(lines.slice(1).map((l) => l.split(',')[1]?.slice(-1))).toEqual(['7', '6', '5', '4', '3', '2', '1']);
    expect(reader.calls).toEqual([
      { direction: 'in', limit: 3 },
      { direction: 'in', limit: 3, beforeSequence: '5' },
      { direction: 'in', limit: 3, beforeSequence: '2' },
    ]);
  });

  it('when a note or a counterparty name is a formula, then the cell is guarded', async () => {
    const reader = readerOver([
      row(1, { kind: 'transfer', direction: 'out', note: '=cmd|"/c calc"!A1', counterparty: { userId: 'u', email: 'b@example.com', displayName: '@evil' } } as Partial<ActivityRecord>),
    ]);

    const csv = await text(await exportHistoryCsv(reader, 'user-1', {}));

    expect(csv).toContain(`b@example.com,"'@evil","'=cmd|""/c calc""!A1",100`);
  });

  it('when the first read fails, then the error comes before any chunk', async () => {
    const reader = { ...readerOver([]), listHistory: async () => Promise.reject(new Error('db down')) };

    await expect(exportHistoryCsv(reader, 'user-1', {})).rejects.toThrow('db down');
  });

  it('when the period is given, then the file name carries its days', () => {
    expect(historyCsvFilename('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', new Date())).toBe('flotilla-history-2026-11-01-to-2026-12-01.csv');
    expect(historyCsvFilename(undefined, undefined, new Date('2026-12-02T10:00:00Z'))).toBe('flotilla-history-start-to-2026-12-02.csv');
  });
});
