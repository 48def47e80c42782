export * from './lib/metrics.js';
