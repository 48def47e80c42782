import { metrics } from './metrics.js';

describe('metrics', () => {
  it('should work', () => {
    expect(metrics()).toEqual('metrics');
  });
});
