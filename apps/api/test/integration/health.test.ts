import { describeHealthContract } from '@flotilla/service-kit/testing';
import { apiConfigSchema } from '../../src/config';
import type {} from '../../src/app/plugins/external/messaging';
import { buildTestApp } from '../helper';

describeHealthContract({
  service: 'api',
  buildTestApp,
  configSchema: apiConfigSchema,
  configEnv: { AMQP_URL: 'amqp://x' },
  unreachableDatabaseUrl: 'postgresql://ledger:ledger@127.0.0.1:1/ledger',
  readyChecks: ['db', 'broker'],
});
