import { Value } from 'typebox/value';
import { ACTIVITY_SEQUENCE_MAX, ActivitySequenceSchema, decimalUpToPattern } from './activity-query';

describe('ActivitySequenceSchema', () => {
  it.each(['0', '1', '42', '999999999999999999', '9223372036854775806', ACTIVITY_SEQUENCE_MAX])('when the sequence is %s, then it is accepted', (value) => {
    expect(Value.Check(ActivitySequenceSchema, value)).toBe(true);
  });

  it.each(['9223372036854775808', '9999999999999999999', '9300000000000000000', '10000000000000000000', '01', '-1', '1e3', ''])(
    'when the sequence is %s (past int8 or not a plain decimal), then it is refused',
    (value) => {
      expect(Value.Check(ActivitySequenceSchema, value)).toBe(false);
    },
  );
});

describe('decimalUpToPattern', () => {
  it('when checked against every number around a small bound, then exactly 0..max match', () => {
    for (const max of ['0', '7', '10', '99', '305', '1000']) {
      const pattern = new RegExp(decimalUpToPattern(max));
      for (let n = 0; n <= 1100; n += 1) expect([max, n, pattern.test(String(n))]).toEqual([max, n, n <= Number(max)]);
    }
  });
});
