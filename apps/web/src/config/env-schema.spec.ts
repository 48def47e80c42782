import { checkWebEnv } from './env-schema';

describe('checkWebEnv', () => {
  it('when nothing is set, then the same-origin defaults are used', () => {
    expect(checkWebEnv({})).toEqual({ ok: true, env: { VITE_API_BASE_URL: '', VITE_APP_NAME: 'Flotilla' } });
  });

  it.each(['', 'https://api.flotilla.example', 'http://localhost:3000', '/ledger'])(
    'when the API base is "%s", then it is accepted',
    (base) => {
      expect(checkWebEnv({ VITE_API_BASE_URL: base }).ok).toBe(true);
    },
  );

  it.each(['api.example.com', 'https://api.example.com/', 'ftp://x', 'mailto:ops@example.com', '/trailing/'])(
    'when the API base is "%s", then the build is refused with the reason',
    (base) => {
      const result = checkWebEnv({ VITE_API_BASE_URL: base });
      expect(result.ok).toBe(false);
      expect(result.ok ? [] : result.problems).toEqual([expect.stringContaining('VITE_API_BASE_URL')]);
    },
  );

  it('when several values are wrong, then every problem is listed', () => {
    const result = checkWebEnv({ VITE_API_BASE_URL: 'nope', VITE_APP_NAME: '   ' });
    expect(result.ok ? [] : result.problems).toHaveLength(2);
  });
});
