import { serviceKit } from './service-kit.js';

describe('serviceKit', () => {
  it('should work', () => {
    expect(serviceKit()).toEqual('service-kit');
  });
});
