import { readText } from './support';

/**
 * The gateway's error log must not keep credentials that travel in URLs either:
 * nginx writes the request line into every error-log entry, so a `limit_req`
 * rejection of the BFF callback (code, state) or an upstream failure on a reset
 * link (token) would store them (RFC 9700 §4.2.4, ASVS 5.0 V16.2.5). The
 * locations serving such URLs log only `crit` and above (nothing a request can
 * cause). nginx cannot run here outside a container, so this picks the location
 * the way nginx does (exact, then longest prefix unless `^~`, then the first
 * matching regex) from docker/nginx/snippets/routes.conf; the stack check
 * tools/stack/checks/20-security.sh reads the real gateway's log.
 */
const ROUTES = readText('docker/nginx/snippets/routes.conf');
const QUIET = new Set(['crit', 'alert', 'emerg']);

interface Location {
  modifier: '' | '=' | '~' | '~*' | '^~';
  pattern: string;
  body: string;
}

/** The top-level location blocks of a snippet, in order. */
function locations(conf: string): Location[] {
  const found: Location[] = [];
  const head = /^location\s+(?:(=|~\*|~|\^~)\s+)?(\S+)\s*\{/gm;
  for (const m of conf.matchAll(head)) {
    let depth = 1;
    let i = (m.index ?? 0) + m[0].length;
    const start = i;
    while (depth > 0 && i < conf.length) {
      if (conf[i] === '{') depth += 1;
      else if (conf[i] === '}') depth -= 1;
      i += 1;
    }
    found.push({ modifier: (m[1] ?? '') as Location['modifier'], pattern: m[2] as string, body: conf.slice(start, i - 1) });
  }
  return found;
}

function select(all: Location[], uri: string): Location {
  const path = uri.split('?')[0] as string;
  const exact = all.find((l) => l.modifier === '=' && l.pattern === path);
  if (exact) return exact;
  const prefix = all
    .filter((l) => (l.modifier === '' || l.modifier === '^~') && path.startsWith(l.pattern))
    .sort((a, b) => b.pattern.length - a.pattern.length)[0];
  if (prefix?.modifier === '^~') return prefix;
  const regex = all.find((l) => (l.modifier === '~' || l.modifier === '~*') && new RegExp(l.pattern, l.modifier === '~*' ? 'i' : '').test(path));
  const chosen = regex ?? prefix;
  if (!chosen) throw new Error(`no location serves ${path}`);
  return chosen;
}

const errorLogLevel = (location: Location) => /^\s*error_log\s+\S+\s+(\w+)\s*;/m.exec(location.body)?.[1] ?? 'inherited (warn)';

describe('gateway error log', () => {
  const all = locations(ROUTES);

  it.each([
    '/api/auth/callback?code=SECRETCODE&state=SECRETSTATE',
    '/auth/authorize?response_type=code&client_id=web&state=SECRETSTATE&code_challenge=c',
    '/auth/logout?id_token_hint=SECRET.JWT.VALUE&state=SECRETSTATE',
    '/auth/password/reset?token=SECRETTOKEN',
    '/auth/login?return_to=%2Fauth%2Fauthorize%3Fstate%3DSECRETSTATE',
  ])('when %s is rate-limited or its upstream fails, then its location logs nothing a request can cause', (uri) => {
    const location = select(all, uri);
    const level = errorLogLevel(location);
    expect({ location: location.pattern, quiet: QUIET.has(level) ? 'crit or above' : level }).toEqual({ location: location.pattern, quiet: 'crit or above' });
  });

  it('when a request carries no credential, then its location keeps the default error log (upstream failures stay visible)', () => {
    expect(errorLogLevel(select(all, '/api/accounts'))).toBe('inherited (warn)');
    expect(errorLogLevel(select(all, '/auth/.well-known/openid-configuration'))).toBe('inherited (warn)');
  });
});
