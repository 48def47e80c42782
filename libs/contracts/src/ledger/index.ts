export * from './limits';
export * from './ledger-dtos';
export * from './activity-query';
