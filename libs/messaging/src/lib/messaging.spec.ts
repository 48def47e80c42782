import { messaging } from './messaging.js';

describe('messaging', () => {
  it('should work', () => {
    expect(messaging()).toEqual('messaging');
  });
});
