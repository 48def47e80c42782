export * from './limits';
export * from './ledger-dtos';
