import { readText } from './support';

/**
 * The gateway's access log must not keep credentials that travel in URLs: the
 * BFF callback's code and state, /authorize's state, the logout's
 * id_token_hint, a reset link's token (RFC 9700 §4.2.4, ASVS 5.0 V16.2.5).
 * nginx cannot run on this machine outside a container, so this reads the
 * `map` blocks of docker/nginx/nginx.conf and evaluates the access log's
 * fields the way nginx does (first matching regex in order, else default);
 * the stack check tools/stack/checks/20-security.sh reads the real log.
 */
const CONF = readText('docker/nginx/nginx.conf');

interface MapRule {
  pattern: RegExp | null;
  value: string;
}

function parseMaps(
  conf: string,
): Map<string, { source: string; rules: MapRule[] }> {
  const maps = new Map<string, { source: string; rules: MapRule[] }>();
  for (const m of conf.matchAll(
    /^\s*map\s+\$(\w+)\s+\$(\w+)\s*\{([\s\S]*?)^\s*\}/gm,
  )) {
    const [, source, target, body] = m as unknown as [
      string,
      string,
      string,
      string,
    ];
    const rules: MapRule[] = [];
    for (const entry of body.matchAll(
      /("(?:[^"\\]|\\.)*"|\S+)\s+("(?:[^"\\]|\\.)*"|[^;\s]+)\s*;/g,
    )) {
      const key = unquote(entry[1] as string);
      const value = unquote(entry[2] as string);
      if (key === 'default') rules.push({ pattern: null, value });
      else if (key.startsWith('~*'))
        rules.push({ pattern: new RegExp(key.slice(2), 'i'), value });
      else if (key.startsWith('~'))
        rules.push({ pattern: new RegExp(key.slice(1)), value });
      else
        rules.push({
          pattern: new RegExp(
            `^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
          ),
          value,
        });
    }
    maps.set(target, { source, rules });
  }
  return maps;
}

const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1) : s);

function evaluate(
  variable: string,
  request: Record<string, string>,
  maps = parseMaps(CONF),
  captures: Record<string, string> = {},
): string {
  if (variable in captures) return captures[variable] as string;
  if (variable in request) return request[variable] as string;
  const map = maps.get(variable);
  if (!map)
    throw new Error(
      `$${variable} is neither a request variable of this test nor a map in nginx.conf`,
    );
  const input = evaluate(map.source, request, maps);
  for (const rule of map.rules.filter((r) => r.pattern)) {
    const match = (rule.pattern as RegExp).exec(input);
    if (match)
      return interpolate(rule.value, request, maps, { ...match.groups });
  }
  const fallback = map.rules.find((r) => !r.pattern);
  return fallback ? interpolate(fallback.value, request, maps) : '';
}

function interpolate(
  value: string,
  request: Record<string, string>,
  maps: ReturnType<typeof parseMaps>,
  captures: Record<string, string> = {},
) {
  return value.replace(/\$\{?(\w+)\}?/g, (_, name: string) =>
    evaluate(name, request, maps, captures),
  );
}

/** The access log's field NAME as nginx would write it for this request. */
function loggedField(name: string, request: Record<string, string>): string {
  const format = /log_format\s+json\b[^;]*/.exec(CONF)?.[0] ?? '';
  const field = new RegExp(`"${name}":"([^"']*)"`).exec(format);
  if (!field) throw new Error(`the json log format has no "${name}" field`);
  return interpolate(field[1] as string, request, parseMaps(CONF));
}

// No $args: an error_page redirect (a 502 from the upstream) empties it, so the maps must read $request_uri.
function request(uri: string, referer = ''): Record<string, string> {
  return { request_uri: uri, http_referer: referer };
}

describe('gateway access log', () => {
  it.each([
    [
      '/api/auth/callback?code=SECRETCODE&state=SECRETSTATE&iss=http%3A%2F%2Fx',
      '/api/auth/callback',
    ],
    [
      '/auth/logout?id_token_hint=SECRET.JWT.VALUE&client_id=web&state=SECRETSTATE',
      '/auth/logout',
    ],
    [
      '/auth/authorize?response_type=code&client_id=web&state=SECRETSTATE&code_challenge=c',
      '/auth/authorize',
    ],
    [
      '/auth/login?return_to=%2Fauth%2Fauthorize%3Fclient_id%3Dweb%26state%3DSECRETSTATE',
      '/auth/login',
    ],
    ['/auth/password/reset?token=SECRETTOKEN', '/auth/password/reset'],
  ])(
    'when the request is %s, then the log keeps its path and none of its secrets',
    (uri, path) => {
      const logged = loggedField('uri', request(uri));
      expect(logged).toBe(`${path}?[redacted]`);
      expect(logged).not.toMatch(/SECRET/);
    },
  );

  it('when a page with a secret in its address is the referer, then the logged referer keeps only its path', () => {
    const logged = loggedField(
      'referer',
      request(
        '/assets/app.css',
        'http://localhost:8080/auth/logout?id_token_hint=SECRET.JWT&state=S',
      ),
    );
    expect(logged).toBe('http://localhost:8080/auth/logout?[redacted]');
  });

  it('when a request carries no secret, then its target and referer are logged as sent', () => {
    expect(
      loggedField('uri', request('/api/transfers?limit=20&after=abc')),
    ).toBe('/api/transfers?limit=20&after=abc');
    expect(
      loggedField('uri', request('/api/auth/login?returnTo=%2Fdashboard')),
    ).toBe('/api/auth/login?returnTo=%2Fdashboard');
    expect(loggedField('uri', request('/assets/app.css'))).toBe(
      '/assets/app.css',
    );
    expect(
      loggedField(
        'referer',
        request('/', 'http://localhost:8080/dashboard?tab=1'),
      ),
    ).toBe('http://localhost:8080/dashboard?tab=1');
  });
});
