import { Value } from 'typebox/value';
import { DepositRequestSchema, TransferRequestSchema } from './ledger-dtos';
import { MAX_TRANSFER_MINOR } from './limits';

describe('TransferRequestSchema', () => {
  const valid = { recipientEmail: 'bob@example.com', amount: 1250, note: 'lunch' };

  it('when the request is well formed, then it is accepted', () => {
    expect(Value.Check(TransferRequestSchema, valid)).toBe(true);
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['fractional', 12.5],
    ['over the limit', MAX_TRANSFER_MINOR + 1],
    ['a numeric string', '100'],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('when the amount is %s, then it is refused', (_label, amount) => {
    expect(Value.Check(TransferRequestSchema, { ...valid, amount })).toBe(false);
  });

  it('when an unknown property is sent, then it is refused rather than dropped', () => {
    expect(Value.Check(TransferRequestSchema, { ...valid, admin: true })).toBe(false);
  });

  it('when the note is longer than 140 characters, then it is refused', () => {
    expect(Value.Check(TransferRequestSchema, { ...valid, note: 'x'.repeat(141) })).toBe(false);
  });
});

describe('DepositRequestSchema', () => {
  it('when the amount is a positive integer, then it is accepted, and a float is refused', () => {
    expect(Value.Check(DepositRequestSchema, { amount: 100 })).toBe(true);
    expect(Value.Check(DepositRequestSchema, { amount: 1.5 })).toBe(false);
  });
});
