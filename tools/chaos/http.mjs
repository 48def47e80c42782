// The chaos client's HTTP side: a cookie jar, one request with a deadline, and
// the browser's sign-up and sign-in journeys done with plain fetch (no browser):
// the auth service's HTML forms (with their CSRF field) and the BFF's OAuth
// code flow, following each redirect by hand so every cookie lands in the jar.

/** RFC 6265 §5.1.4 default-path of a request URL. */
function defaultPath(url) {
  const path = new URL(url).pathname;
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** §5.1.4 path-match. */
function pathMatches(requestPath, cookiePath) {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * One origin's cookies (the gateway is the only origin). `Secure` is honoured
 * the way browsers do for http://localhost, which they treat as a secure
 * context: the cookie is kept and sent.
 */
export class CookieJar {
  #cookies = new Map();

  store(url, response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = defaultPath(url);
      let expires;
      for (const attribute of attributes) {
        const [rawKey, ...rest] = attribute.split('=');
        const key = rawKey.trim().toLowerCase();
        const attributeValue = rest.join('=').trim();
        if (key === 'path' && attributeValue.startsWith('/'))
          path = attributeValue;
        else if (key === 'max-age')
          expires = Date.now() + Number(attributeValue) * 1000;
        else if (key === 'expires' && expires === undefined)
          expires = Date.parse(attributeValue);
      }
      const id = `${name}\n${path}`;
      if (expires !== undefined && !(expires > Date.now()))
        this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }

  header(url) {
    const path = new URL(url).pathname;
    return [...this.#cookies.values()]
      .filter((cookie) => pathMatches(path, cookie.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  /**
   * The cookie's value; the `__Host-` name first, as the services use it over
   * https (and wherever COOKIE_SECURE holds), then the bare development name.
   */
  get(name) {
    const find = (wanted) =>
      [...this.#cookies.values()].find((cookie) => cookie.name === wanted)
        ?.value;
    return find(`__Host-${name}`) ?? find(name);
  }
}

/**
 * One request, never following redirects, with a deadline. Resolves to
 * { status, headers, text, start, end } or { error, start, end } for a
 * connection error or timeout (what a client sees as "no answer").
 */
export async function send(
  jar,
  url,
  { method = 'GET', headers = {}, body, timeoutMs = 10_000 } = {},
) {
  const start = Date.now();
  try {
    const cookie = jar.header(url);
    const response = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: { ...headers, ...(cookie ? { cookie } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    jar.store(url, response);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      start,
      end: Date.now(),
    };
  } catch (error) {
    const cause = error?.cause?.code ?? error?.name ?? 'ERROR';
    return { error: String(cause), start, end: Date.now() };
  }
}

const decodeEntities = (s) =>
  s.replace(
    /&(amp|quot|lt|gt|#39|#96|#x2F|#47);/g,
    (_, e) =>
      ({
        amp: '&',
        quot: '"',
        lt: '<',
        gt: '>',
        '#39': "'",
        '#96': '`',
        '#x2F': '/',
        '#47': '/',
      })[e],
  );

/** The hidden and filled inputs of the first form on an HTML page. */
export function formFields(html) {
  const fields = {};
  for (const match of html.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(match[0])?.[1];
    const value = /\bvalue="([^"]*)"/.exec(match[0])?.[1];
    if (name && value !== undefined) fields[name] = decodeEntities(value);
  }
  return fields;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * A request that waits out the gateway's rate limits (429) and brief
 * unavailability (502/503/504: the request was not handled), within a bound.
 * No answer at all is retried only when `again` allows: a lost answer to a
 * one-time step (an authorization code, a sign-up) cannot be sent twice.
 */
async function sendPatiently(jar, url, options, label, { again = true } = {}) {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const answer = await send(jar, url, { timeoutMs: 30_000, ...options });
    if (answer.error && !again) return answer;
    if (
      answer.status !== 429 &&
      answer.status !== 502 &&
      answer.status !== 503 &&
      answer.status !== 504 &&
      !answer.error
    )
      return answer;
    const retryAfter = Number(answer.headers?.get('retry-after'));
    await sleep(
      Number.isFinite(retryAfter) && retryAfter > 0
        ? Math.min(retryAfter, 10) * 1000
        : 2000,
    );
  }
  throw new Error(`${label}: no answer but 429/5xx after 30 attempts`);
}

/** GETs and follows redirects while they stay on the API or auth service; returns the last answer and its URL. */
async function follow(jar, url, options, label) {
  let current = url;
  let answer = await sendPatiently(jar, current, options, label);
  for (
    let hops = 0;
    hops < 10 && answer.status >= 300 && answer.status < 400;
    hops += 1
  ) {
    const next = new URL(answer.headers.get('location'), current);
    if (!/^\/(api|auth)\//.test(next.pathname))
      return { answer, url: next.toString() };
    current = next.toString();
    answer = await sendPatiently(jar, current, {}, label, { again: false });
  }
  return { answer, url: current };
}

/** The auth service's sign-up form, as a person fills it in. */
export async function register(base, person) {
  const jar = new CookieJar();
  const page = await sendPatiently(
    jar,
    `${base}/auth/register`,
    {},
    'register page',
  );
  if (page.status !== 200)
    throw new Error(`register page answered ${page.status}`);
  const fields = formFields(page.text);
  const body = new URLSearchParams({
    _csrf: fields._csrf ?? '',
    email: person.email,
    displayName: person.displayName,
    password: person.password,
  });
  const answer = await sendPatiently(
    jar,
    `${base}/auth/register`,
    { method: 'POST', headers: FORM, body: body.toString() },
    'register',
    { again: false },
  );
  // No answer: the sign-up may have happened; signing in will tell.
  if (answer.error) return;
  if (answer.status !== 303) {
    const message =
      /role="alert"[^>]*>([^<]*)/.exec(answer.text ?? '')?.[1] ?? '';
    throw new Error(
      `registering ${person.email} answered ${answer.status} ${message}`.trim(),
    );
  }
}

/**
 * Sign-in through the BFF: /api/auth/login → the provider's /authorize → its
 * sign-in form → POST → /authorize again → /api/auth/callback, which sets the
 * session and CSRF cookies. Returns the jar that now holds them.
 */
async function signInOnce(base, person) {
  const jar = new CookieJar();
  const { answer: loginPage } = await follow(
    jar,
    `${base}/api/auth/login`,
    {},
    'sign-in start',
  );
  if (loginPage.status !== 200 || !/name="_csrf"/.test(loginPage.text))
    throw new Error(`sign-in page answered ${loginPage.status}`);
  const fields = formFields(loginPage.text);
  const body = new URLSearchParams({
    ...fields,
    email: person.email,
    password: person.password,
  });
  const { answer, url } = await follow(
    jar,
    `${base}/auth/login`,
    { method: 'POST', headers: FORM, body: body.toString() },
    'sign-in',
  );
  if (!jar.get('flotilla_session') || !jar.get('csrf_token')) {
    throw new Error(
      `signing in ${person.email} ended at ${url} (${answer.status}) without a session`,
    );
  }
  return jar;
}

/**
 * Sign-in through the BFF, started again from the beginning (at most three
 * times) when a step of the flow lost its answer on a busy machine.
 */
export async function signIn(base, person) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await signInOnce(base, person);
    } catch (error) {
      if (attempt >= 3) throw error;
      console.log(
        `[chaos-load] sign-in of ${person.email} again: ${error.message}`,
      );
    }
  }
}
