import { logging } from './logging.js';

describe('logging', () => {
  it('should work', () => {
    expect(logging()).toEqual('logging');
  });
});
