// The checks of checks/20-security.sh (issue 12). Two modes:
//   node security-check.mjs flow DIR    signs a new person in through the gateway
//     with returnTo=/%09/evil.example, signs out through the provider, and writes
//     what it saw to DIR/flow.json (every URL, the code, state and id_token_hint),
//     then sends a made-up code to the callback until the gateway's limit answers 429;
//   node security-check.mjs verify DIR  reads DIR/flow.json, DIR/gateway.log,
//     DIR/auth.log and DIR/gateway-ips.txt and prints one line per check and
//     "security-checks: N passed, N failed" (exit 1 on any failure).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines as readJsonLines } from './json-lines.mjs';

const [mode, dir] = process.argv.slice(2);
const base = new URL(
  process.env.PUBLIC_URL ??
    `http://localhost:${process.env.GATEWAY_PORT ?? 8080}`,
);

async function flow() {
  const jar = new Map();
  const visited = [];
  const requestId = `security-check-${randomBytes(8).toString('hex')}`;
  async function go(target, init = {}) {
    const url = new URL(target, base);
    if (url.origin !== base.origin) return { url, response: undefined };
    const headers = { ...(init.headers ?? {}) };
    if (jar.size > 0)
      headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    // Raw path and query as written: new URL() would re-encode a tab differently than a browser sends it.
    const response = await fetch(url, {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    visited.push({ url: url.toString(), status: response.status });
    return { url, response };
  }
  /** Follows redirects within our origin; stops at an answer or at another origin. */
  async function follow(start) {
    let current = start;
    for (let hop = 0; hop < 15; hop += 1) {
      const location = current.response?.headers.get('location');
      if (
        !current.response ||
        current.response.status < 300 ||
        current.response.status > 399 ||
        !location
      )
        return current;
      current = await go(new URL(location, current.url).toString());
    }
    throw new Error('more than 15 redirects');
  }
  const hidden = (html) =>
    Object.fromEntries(
      [
        ...html.matchAll(
          /<input type="hidden" name="([^"]+)" value="([^"]*)"/g,
        ),
      ].map((m) => [
        m[1],
        m[2]
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&'),
      ]),
    );

  const unique = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const person = {
    email: `security-${unique}@e2e.flotilla.test`,
    displayName: `Security ${unique.slice(-4)}`,
    password: `the security check rides the gateway ${unique}`,
  };
  const registered = await go('/auth/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify(person),
  });
  const facts = {
    requestId,
    registerStatus: registered.response?.status,
    visited,
  };

  // The address is written with its tab percent-encoded, exactly as the issue's attack link.
  let at = await follow(
    await go(`${base.origin}/api/auth/login?returnTo=/%09/evil.example`),
  );
  const page = at.response ? await at.response.text() : '';
  const form = hidden(page);
  if (!form._csrf)
    throw new Error(
      `no sign-in form at ${at.url} (status ${at.response?.status})`,
    );
  const action =
    /<form method="post" action="([^"]+)"/.exec(page)?.[1] ?? '/auth/login';
  at = await go(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...form,
      email: person.email,
      password: person.password,
    }).toString(),
  });
  at = await follow(at);
  facts.finalUrl = at.url.toString();
  facts.finalStatus = at.response?.status;
  if (at.response && at.response.status >= 400) facts.finalBody = (await at.response.text()).slice(0, 300);
  const callback = visited
    .map((v) => new URL(v.url))
    .find((u) => u.pathname === '/api/auth/callback');
  facts.code = callback?.searchParams.get('code') ?? null;
  facts.state = callback?.searchParams.get('state') ?? null;
  const me = await go('/api/me');
  facts.meStatus = me.response?.status;

  // Sign out: the BFF names the provider's logout with id_token_hint; a browser goes there.
  const csrf = jar.get('__Host-csrf_token') ?? jar.get('csrf_token') ?? '';
  const out = await go('/api/auth/logout', {
    method: 'POST',
    headers: { 'x-csrf-token': csrf },
  });
  const redirectTo = out.response?.ok
    ? (await out.response.json()).redirectTo
    : undefined;
  facts.idTokenHint = redirectTo
    ? new URL(redirectTo).searchParams.get('id_token_hint')
    : null;
  if (redirectTo) await go(redirectTo);

  // The error log: a callback refused by the bff_login limit (60 r/min, burst 20) is an
  // error-log entry, which repeats the request line. Hammer it with a code of our own until
  // the gateway answers 429, then let the limit drain so later checks can sign in.
  facts.fakeCode = `fake-code-${randomBytes(12).toString('hex')}`;
  facts.fakeState = `fake-state-${randomBytes(12).toString('hex')}`;
  facts.callbackLimited = 0;
  for (let i = 0; i < 60 && facts.callbackLimited === 0; i += 1) {
    const response = await fetch(new URL(`/api/auth/callback?code=${facts.fakeCode}&state=${facts.fakeState}`, base), { redirect: 'manual' });
    await response.body?.cancel();
    if (response.status === 429) facts.callbackLimited += 1;
  }
  await new Promise((resolve) => setTimeout(resolve, 21_000));
  writeFileSync(join(dir, 'flow.json'), JSON.stringify(facts, null, 2));
}

function verify() {
  const facts = JSON.parse(readFileSync(join(dir, 'flow.json'), 'utf8'));
  const jsonLines = (file) => readJsonLines(join(dir, file));
  const gatewayText = readFileSync(join(dir, 'gateway.log'), 'utf8');
  const gateway = jsonLines('gateway.log');
  const auth = jsonLines('auth.log');
  const gatewayIps = new Set(
    readFileSync(join(dir, 'gateway-ips.txt'), 'utf8')
      .split(/\s+/)
      .filter(Boolean),
  );

  let passed = 0;
  let failed = 0;
  const check = (label, ok, detail = '') => {
    console.log(
      `${ok ? 'ok' : 'FAILED'}: ${label}${detail ? ` (${detail})` : ''}`,
    );
    if (ok) passed += 1;
    else failed += 1;
  };

  // (a) Item 1: the auth service sees the client, not the gateway (TRUST_PROXY as a hop count).
  const edge = gateway.find((e) => e.request_id === facts.requestId);
  const seen = auth.find(
    (e) => e['http.request.id'] === facts.requestId && e['client.ip'] !== undefined,
  );
  check(
    'the gateway logged the registration with its request id',
    Boolean(edge),
    edge ? `remote_addr ${edge.remote_addr}` : 'not found',
  );
  check(
    'the auth service logged the same request with a client.ip',
    Boolean(seen),
    seen ? `client.ip ${seen['client.ip']}` : 'not found',
  );
  check(
    "auth's client.ip is the client's address as the gateway saw it, not the gateway's own",
    Boolean(edge && seen) &&
      seen['client.ip'] === edge.remote_addr &&
      !gatewayIps.has(seen['client.ip']),
    `client.ip ${seen?.['client.ip']}, client ${edge?.remote_addr}, gateway ${[...gatewayIps].join(' ')}`,
  );

  // (b) Item 2: returnTo=/%09/evil.example signs in and ends on the app's origin.
  const final = facts.finalUrl ? new URL(facts.finalUrl) : undefined;
  check(
    'the sign-in went through the callback with a code',
    Boolean(facts.code && facts.state),
  );
  check(
    'returnTo=/%09/evil.example ends on the app origin, signed in',
    final?.origin === base.origin &&
      !final.pathname.startsWith('//') &&
      facts.meStatus === 200,
    `ended at ${facts.finalUrl} (${facts.finalStatus}${facts.finalBody ? ` ${facts.finalBody}` : ''}), /api/me ${facts.meStatus}`,
  );

  // (c) Item 8: the gateway's access log keeps no code, state or ID token.
  const callbackLines = gateway.filter((e) =>
    String(e.uri).startsWith('/api/auth/callback'),
  );
  check(
    'the gateway logged the callback',
    callbackLines.length > 0,
    callbackLines.map((e) => e.uri).join(', '),
  );
  check(
    'the gateway log holds the ID token hint request',
    Boolean(facts.idTokenHint) &&
      gateway.some((e) => String(e.uri).startsWith('/auth/logout')),
  );
  for (const [name, value] of [
    ['code', facts.code],
    ['state', facts.state],
    ['id_token_hint', facts.idTokenHint],
  ]) {
    check(
      `the gateway log does not contain the ${name}`,
      Boolean(value) &&
        !gatewayText.includes(value) &&
        !gatewayText.includes(encodeURIComponent(value)),
    );
  }

  // (d) The error log keeps no code or state either (a limit_req rejection repeats the request line).
  check('the gateway rate-limited the hammered callback (429)', facts.callbackLimited > 0);
  for (const [name, value] of [
    ['hammered callback code', facts.fakeCode],
    ['hammered callback state', facts.fakeState],
  ]) {
    check(`the gateway log (access and error) does not contain the ${name}`, Boolean(value) && !gatewayText.includes(value));
  }
  console.log(`security-checks: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (mode === 'flow') await flow();
else if (mode === 'verify') verify();
else {
  console.error('usage: security-check.mjs flow|verify DIR');
  process.exit(2);
}
