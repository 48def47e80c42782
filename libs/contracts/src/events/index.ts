export * from './define-event';
export * from './user-events';
export * from './ledger-events';
export * from './topology';
