import { formatMoney, parseAmount, toAmountInput } from './money';

describe('parseAmount', () => {
  it.each([
    ['12.50', 1250],
    ['12.5', 1250],
    ['12', 1200],
    ['0.29', 29],
    ['0,29', 29],
    ['.5', 50],
    ['7.', 700],
    [' 1 000.01 ', 100_001],
    ['0000.07', 7],
    ['10000.00', 1_000_000],
  ])('when the user types "%s", then it is exactly %i minor units', (input, minor) => {
    expect(parseAmount(input, 'EUR')).toEqual({ ok: true, minor });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['abc', 'format'],
    ['-5', 'format'],
    ['1e3', 'format'],
    ['1,000.00', 'format'],
    ['.', 'format'],
    ['12.505', 'precision'],
    ['99999999999999999', 'too-large'],
  ])('when the user types "%s", then it is refused as %s', (input, reason) => {
    expect(parseAmount(input, 'EUR')).toEqual({ ok: false, reason });
  });

  it('when the currency has no minor unit, then any decimal part is refused', () => {
    expect(parseAmount('500', 'JPY')).toEqual({ ok: true, minor: 500 });
    expect(parseAmount('500.5', 'JPY')).toEqual({ ok: false, reason: 'precision' });
  });
});

describe('formatMoney', () => {
  it('when formatting minor units, then the currency and two decimals are shown', () => {
    expect(formatMoney(123_456, 'EUR', 'en-GB')).toBe('€1,234.56');
    expect(formatMoney(5, 'USD', 'en-US')).toBe('$0.05');
  });

  it('when the amount is the largest allowed balance, then no digit is lost', () => {
    expect(formatMoney(100_000_000_000 - 1, 'EUR', 'en-GB')).toBe('€999,999,999.99');
  });

  it('when converting back to an input value, then it round-trips through parseAmount', () => {
    for (const minor of [0, 7, 29, 1250, 1_000_000]) {
      expect(parseAmount(toAmountInput(minor, 'EUR'), 'EUR')).toEqual({ ok: true, minor });
    }
  });
});
