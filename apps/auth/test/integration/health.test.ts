import { describeHealthContract } from '@flotilla/service-kit/testing';
import { authConfigSchema } from '../../src/config';
import { buildTestApp } from '../helper';

describeHealthContract({
  service: 'auth',
  buildTestApp,
  configSchema: authConfigSchema,
  configEnv: {},
  unreachableDatabaseUrl: 'postgresql://auth:auth@127.0.0.1:1/auth',
  readyChecks: ['db'],
});
