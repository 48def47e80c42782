import { checkTransferable } from './transfer-funds';
import type { LedgerAccount } from './ports';

const account = (overrides: Partial<LedgerAccount> = {}): LedgerAccount => ({
  id: 'a',
  userId: 'u',
  email: 'a@example.test',
  displayName: 'A',
  currency: 'EUR',
  balance: 1_000n,
  status: 'active',
  updatedAt: new Date(0),
  ...overrides,
});

describe('checkTransferable', () => {
  it('when the balance covers the amount exactly, then the transfer may go ahead', () => {
    expect(() => checkTransferable(account(), account({ id: 'b' }), 1_000n)).not.toThrow();
  });

  it.each([
    ['the balance is one minor unit short', account(), account({ id: 'b' }), 1_001n, 'INSUFFICIENT_FUNDS'],
    ['the sender is frozen', account({ status: 'frozen' }), account({ id: 'b' }), 1n, 'ACCOUNT_FROZEN'],
    ['the recipient is frozen', account(), account({ id: 'b', status: 'frozen' }), 1n, 'ACCOUNT_FROZEN'],
    ['the currencies differ', account(), account({ id: 'b', currency: 'USD' }), 1n, 'CURRENCY_MISMATCH'],
  ])('when %s, then %s', (_case, from, to, amount, code) => {
    expect(() => checkTransferable(from, to, amount)).toThrow(expect.objectContaining({ code }));
  });
});
