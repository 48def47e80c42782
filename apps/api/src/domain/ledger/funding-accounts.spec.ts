import { randomUUID } from 'node:crypto';
import { EXTERNAL_FUNDING_ACCOUNT_ID, FUNDING_ACCOUNT_IDS, fundingAccountFor } from './deposit-funds';

describe('fundingAccountFor', () => {
  it('when there are 16 shards, then the ids are …0001 to …0010, the first being the original funding account', () => {
    expect(FUNDING_ACCOUNT_IDS).toHaveLength(16);
    expect(FUNDING_ACCOUNT_IDS[0]).toBe(EXTERNAL_FUNDING_ACCOUNT_ID);
    expect(FUNDING_ACCOUNT_IDS[15]).toBe('00000000-0000-4000-8000-000000000010');
  });

  it('when one shard is configured (or a value out of range), then every account uses the first funding account', () => {
    for (const shards of [1, 0, -3]) {
      expect(fundingAccountFor(randomUUID(), shards)).toBe(EXTERNAL_FUNDING_ACCOUNT_ID);
    }
  });

  it('when accounts deposit, then each always gets the same shard and many accounts spread over all of them', () => {
    const ids = Array.from({ length: 1_600 }, () => randomUUID());
    const counts = new Map<string, number>();
    let unstable = 0;
    for (const id of ids) {
      const shard = fundingAccountFor(id, 16);
      if (fundingAccountFor(id, 16) !== shard) unstable += 1;
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(unstable).toBe(0);
    expect([...counts.keys()].sort()).toEqual([...FUNDING_ACCOUNT_IDS].sort());
    expect(Math.min(...counts.values())).toBeGreaterThan(1_600 / 16 / 2);
  });
});
