import type { AccountSummary, ActivityEvent, HistoryEntry, HistoryPage, MeResponse, TransferResponse } from '@flotilla/contracts';

export const me: MeResponse = {
  user: { id: '6f1c1a8e-6d3b-4b8e-9f0e-0c9f6a1e2b3c', email: 'alice@example.com', displayName: 'Alice Example' },
  scopes: ['ledger:read', 'ledger:write'],
};

export const bob = { id: '0b5e2c7d-1f4a-4c3b-8e9d-2a6f7b8c9d0e', email: 'bob@example.com', displayName: 'Bob Builder' };

export function account(overrides: Partial<AccountSummary> = {}): AccountSummary {
  return {
    accountId: '3d2c1b0a-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
    userId: me.user.id,
    currency: 'EUR',
    balance: 100_000,
    updatedAt: '2026-11-27T09:00:00.000Z',
    ...overrides,
  };
}

let entrySeq = 0;
export function historyEntry(overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  entrySeq += 1;
  return {
    id: `00000000-0000-4000-8000-${String(entrySeq).padStart(12, '0')}`,
    kind: 'transfer',
    direction: 'in',
    amount: 1250,
    currency: 'EUR',
    counterparty: bob,
    note: `entry ${entrySeq}`,
    balanceAfter: 100_000,
    createdAt: '2026-11-27T10:00:00.000Z',
    ...overrides,
  };
}

export function historyPage(items: HistoryEntry[], nextCursor: string | null = null): HistoryPage {
  return { items, nextCursor };
}

export function transferResponse(overrides: Partial<TransferResponse> = {}): TransferResponse {
  return {
    transferId: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    amount: 1250,
    currency: 'EUR',
    recipient: bob,
    note: 'lunch',
    balanceAfter: 98_750,
    createdAt: '2026-11-27T10:05:00.000Z',
    ...overrides,
  };
}

export function activityEvent(sequence: number, entry: Partial<HistoryEntry> = {}, balance = 101_250): ActivityEvent {
  return { sequence: String(sequence), entry: historyEntry(entry), balance };
}
