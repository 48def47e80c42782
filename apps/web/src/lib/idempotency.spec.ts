import { IDEMPOTENCY_KEY_PATTERN } from '@flotilla/contracts';
import { createSubmissionKeys, newIdempotencyKey } from './idempotency';

describe('idempotency keys', () => {
  it('when a key is made, then it matches the API pattern and is unique', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(new RegExp(IDEMPOTENCY_KEY_PATTERN));
    expect(newIdempotencyKey()).not.toBe(a);
  });

  it('when the same payload is submitted again, then the key is reused until reset', () => {
    const keys = createSubmissionKeys();
    const first = keys.keyFor({ amount: 100 });
    expect(keys.keyFor({ amount: 100 })).toBe(first);
    expect(keys.keyFor({ amount: 200 })).not.toBe(first);
    const second = keys.keyFor({ amount: 200 });
    keys.reset();
    expect(keys.keyFor({ amount: 200 })).not.toBe(second);
  });
});
