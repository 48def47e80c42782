import { decodeCursor, encodeCursor } from './history';
import { toMinorUnits } from './money';

describe('history cursors', () => {
  it('when a cursor was issued, then it decodes to its sequence', () => {
    expect(decodeCursor(encodeCursor('12345'))).toBe('12345');
  });

  it.each(['', 'not base64!', Buffer.from('s:-1').toString('base64url'), Buffer.from('s:99999999999999999999').toString('base64url'), Buffer.from('x:1').toString('base64url')])(
    'when the cursor is %p, then it is refused as INVALID_CURSOR',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
    },
  );
});

describe('toMinorUnits', () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number('9007199254740993'), 101])('when the amount is %p, then it is out of range', (amount) => {
    expect(() => toMinorUnits(amount, 100)).toThrow(expect.objectContaining({ code: 'AMOUNT_OUT_OF_RANGE' }));
  });

  it('when the amount is a positive integer within the limit, then it becomes a bigint', () => {
    expect(toMinorUnits(100, 100)).toBe(100n);
  });
});
