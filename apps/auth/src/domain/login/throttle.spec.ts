import { decide } from './throttle';

describe('throttle decision', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  it('when no key reached its limit, then the attempt is allowed', () => {
    expect(decide([undefined, undefined], 900, now)).toEqual({ allowed: true });
  });
  it('when the limiting failure is 5 minutes old in a 15-minute window, then retry after 600 s', () => {
    expect(decide([new Date(now.getTime() - 300_000), undefined], 900, now)).toEqual({ allowed: false, retryAfterSeconds: 600 });
  });
  it('when both keys are limited, then the later release time wins', () => {
    const d = decide([new Date(now.getTime() - 800_000), new Date(now.getTime() - 100_000)], 900, now);
    expect(d).toEqual({ allowed: false, retryAfterSeconds: 800 });
  });
});
