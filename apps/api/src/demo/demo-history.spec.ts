import { MAX_DEPOSIT_MINOR, MAX_TRANSFER_MINOR } from '@flotilla/contracts';
import { DEMO_DAYS, DEMO_PEOPLE, planDemoHistory } from './demo-history';

const NOW = new Date('2026-12-02T12:00:00Z');

describe('planDemoHistory', () => {
  const plan = planDemoHistory(DEMO_PEOPLE, NOW);

  it('spreads deposits and transfers over the last 30 days, oldest first, none in the future', () => {
    const times = plan.map((m) => m.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(NOW.getTime() - DEMO_DAYS * 86_400_000);
    expect(Math.max(...times)).toBeLessThan(NOW.getTime());
    const days = new Set(plan.map((m) => m.at.toISOString().slice(0, 10)));
    expect(days.size).toBeGreaterThanOrEqual(25);
    for (const person of DEMO_PEOPLE) {
      expect(plan.some((m) => m.kind === 'deposit' && m.email === person.email)).toBe(true);
      expect(plan.some((m) => m.kind === 'transfer' && m.email === person.email)).toBe(true);
      expect(plan.some((m) => m.kind === 'transfer' && m.recipientEmail === person.email)).toBe(true);
    }
  });

  it('is the same on every run, keys included, and every key is unique and a valid Idempotency-Key', () => {
    expect(planDemoHistory(DEMO_PEOPLE, NOW)).toEqual(plan);
    const keys = plan.map((m) => m.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
  });

  it('never takes a balance below zero, in integer minor units within the per-movement limits', () => {
    const balance = new Map(DEMO_PEOPLE.map((p) => [p.email, 0]));
    for (const m of plan) {
      expect(Number.isInteger(m.amount)).toBe(true);
      expect(m.amount).toBeGreaterThan(0);
      expect(m.amount).toBeLessThanOrEqual(m.kind === 'deposit' ? MAX_DEPOSIT_MINOR : MAX_TRANSFER_MINOR);
      const from = balance.get(m.email) ?? 0;
      if (m.kind === 'deposit') balance.set(m.email, from + m.amount);
      else {
        expect(from).toBeGreaterThanOrEqual(m.amount);
        balance.set(m.email, from - m.amount);
        balance.set(m.recipientEmail, (balance.get(m.recipientEmail) ?? 0) + m.amount);
      }
    }
  });
});
