import { createHash } from 'node:crypto';

/** One of the demo people (tools/demo.sh). */
export interface DemoPerson {
  readonly email: string;
  readonly displayName: string;
}

export type DemoMovement =
  | { readonly kind: 'deposit'; readonly at: Date; readonly email: string; readonly amount: number; readonly key: string }
  | {
      readonly kind: 'transfer';
      readonly at: Date;
      readonly email: string;
      readonly recipientEmail: string;
      readonly amount: number;
      readonly note: string;
      readonly key: string;
    };

/** How far back the demo history reaches: the dashboard's chart shows 30 days. */
export const DEMO_DAYS = 30;

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  { email: 'ada@demo.flotilla.example', displayName: 'Ada Demo' },
  { email: 'grace@demo.flotilla.example', displayName: 'Grace Demo' },
  { email: 'alan@demo.flotilla.example', displayName: 'Alan Demo' },
];

const NOTES = ['Lunch', 'Coffee', 'Concert tickets', 'Rent share', 'Groceries', 'Taxi home', 'Birthday present', 'Book club'];
const DAY_MS = 86_400_000;

/** An Idempotency-Key that is the same on every run, so a retried demo replays instead of paying twice. */
function demoKey(...parts: (string | number)[]): string {
  return `demo-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}

/**
 * The demo's money movements over the last DEMO_DAYS days before `now`, oldest
 * first: an opening deposit each, a weekly top-up, and small transfers round the
 * ring of people every few days. Deterministic (amounts and notes follow from
 * the day and the person), and no balance goes below zero in this order.
 */
export function planDemoHistory(people: readonly DemoPerson[], now: Date): DemoMovement[] {
  const start = now.getTime() - DEMO_DAYS * DAY_MS;
  const movements: DemoMovement[] = [];
  people.forEach((person, i) => {
    const recipient = people[(i + 1) % people.length];
    for (let day = 0; day < DEMO_DAYS; day += 1) {
      // Each person's day starts at a different hour; nothing is later than `now`.
      const at = (minutes: number) => new Date(start + day * DAY_MS + (8 * 60 + i * 47 + minutes) * 60_000);
      if (day === 0) {
        movements.push({ kind: 'deposit', at: at(0), email: person.email, amount: 60_000 + i * 15_000, key: demoKey(person.email, 'deposit', day) });
      } else if (day % 7 === 0) {
        movements.push({ kind: 'deposit', at: at(0), email: person.email, amount: 25_000, key: demoKey(person.email, 'deposit', day) });
      }
      if (recipient && recipient !== person && (day + i) % 3 === 1) {
        movements.push({
          kind: 'transfer',
          at: at(5 * 60 + ((day * 53) % 240)),
          email: person.email,
          recipientEmail: recipient.email,
          amount: 500 + ((day * 37 + i * 101) % 40) * 125,
          note: NOTES[(day + i) % NOTES.length] ?? 'Thanks',
          key: demoKey(person.email, 'transfer', day),
        });
      }
    }
  });
  return movements.sort((a, b) => a.at.getTime() - b.at.getTime() || a.key.localeCompare(b.key));
}

/**
 * The movement's id (transfer or deposit), the same on every run: the primary
 * key then refuses a movement a second time, however long after the first run
 * and whatever the Idempotency-Key's lifetime. Laid out as a version-4 UUID.
 */
export function demoMovementId(movement: DemoMovement): string {
  const bytes = createHash('sha256').update(`movement\n${movement.key}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
