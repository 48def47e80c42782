import { Value } from 'typebox/value';
import * as events from './index';
import { MESSAGING_TOPOLOGY } from './topology';
import { transferCompletedEvent, userRegisteredEvent } from './index';

describe('event definitions', () => {
  it('when defined, then name and version are fixed and the definition is frozen', () => {
    expect(userRegisteredEvent.name).toBe('user.registered');
    expect(userRegisteredEvent.version).toBe(1);
    expect(Object.isFrozen(userRegisteredEvent)).toBe(true);
  });

  it('when a transfer payload carries a float amount, then its schema refuses it', () => {
    const payload = {
      transferId: '7b0c6a53-6d3e-4a55-9d6e-6f1a3c0b2a11',
      fromUserId: '0b5c1f5e-9a8b-4f0e-8d2a-1e2f3a4b5c6d',
      toUserId: '1c6d2e6f-0b9c-4a1f-9e3b-2f3a4b5c6d7e',
      fromAccountId: '2d7e3f70-1c0d-4b20-8f4c-3a4b5c6d7e8f',
      toAccountId: '3e8f4081-2d1e-4c31-906d-4b5c6d7e8f90',
      amount: 500,
      currency: 'EUR',
      fromBalanceAfter: 0,
      toBalanceAfter: 500,
      completedAt: '2026-11-27T12:00:00.000Z',
    };
    expect(Value.Check(transferCompletedEvent.schema, payload)).toBe(true);
    expect(Value.Check(transferCompletedEvent.schema, { ...payload, amount: 5.5 })).toBe(false);
  });
});

describe('messaging topology', () => {
  it('when an event is defined, then the topology either binds it to a durable queue or says it may go unrouted, never both', () => {
    const defined = (Object.values(events) as unknown[]).flatMap((value) =>
      typeof value === 'object' && value !== null && 'schema' in value && 'name' in value ? [String(value.name)] : [],
    );
    const bound = MESSAGING_TOPOLOGY.queues.flatMap((q) => [...q.routingKeys]);
    const unroutable: readonly string[] = MESSAGING_TOPOLOGY.unroutable;

    expect(defined.length).toBeGreaterThanOrEqual(6);
    expect(defined.filter((name) => !bound.includes(name) && !unroutable.includes(name))).toEqual([]);
    expect(bound.filter((name) => unroutable.includes(name))).toEqual([]);
  });
});
