export * from './lib/service-kit.js';
