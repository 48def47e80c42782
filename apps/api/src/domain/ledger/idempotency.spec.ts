import { hashRequest, replayOf } from './idempotency';

describe('hashRequest', () => {
  it('when only the key order differs, then the hashes match', () => {
    expect(hashRequest('POST /transfers', { a: 1, b: { c: 2, d: 3 } })).toBe(hashRequest('POST /transfers', { b: { d: 3, c: 2 }, a: 1 }));
  });

  it('when the operation or a value differs, then the hashes differ', () => {
    const base = hashRequest('POST /transfers', { amount: 1 });
    expect(hashRequest('POST /deposits', { amount: 1 })).not.toBe(base);
    expect(hashRequest('POST /transfers', { amount: 2 })).not.toBe(base);
  });
});

describe('replayOf', () => {
  it('when the stored hash differs, then the key is refused as reused', () => {
    expect(() => replayOf({ kind: 'existing', requestHash: 'a', status: 201, body: {} }, 'b')).toThrow(
      expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' }),
    );
  });

  it('when the stored hash matches, then the stored answer is replayed', () => {
    expect(replayOf({ kind: 'existing', requestHash: 'a', status: 201, body: { x: 1 } }, 'a')).toEqual({ status: 201, body: { x: 1 }, replayed: true });
    expect(replayOf({ kind: 'claimed' }, 'a')).toBeNull();
  });
});
