/* Access-token verification cost through libs/auth-verify with a warm JWKS cache.
   Run: node -r @swc-node/register tools/bench/auth-verify.ts
   Target (issue #4): ≤ 100 µs per verification. */
import { generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createAccessTokenVerifier } from '../../libs/auth-verify/src';

const ISSUER = 'http://localhost:8080/auth';
const AUDIENCE = 'flotilla-api';
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const DISTINCT = 5_000;

async function main() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' };
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;

  const sign = () =>
    new SignJWT({ client_id: 'flotilla-bff', scope: 'openid api' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('0190e6a4-0000-7000-8000-000000000001')
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  const distinct: string[] = [];
  for (let i = 0; i < DISTINCT; i += 1) distinct.push(await sign());

  const measure = async (label: string, verifier: ReturnType<typeof createAccessTokenVerifier>, tokenAt: (i: number) => string) => {
    // Warm-up: the first call fetches the JWKS; the JIT settles over the next ones.
    for (let i = 0; i < 1_000; i += 1) await verifier.verify(tokenAt(i), { requiredScopes: ['api'] });
    const samples = new Float64Array(ITERATIONS);
    const started = performance.now();
    for (let i = 0; i < ITERATIONS; i += 1) {
      const t0 = performance.now();
      await verifier.verify(tokenAt(i), { requiredScopes: ['api'] });
      samples[i] = performance.now() - t0;
    }
    const meanMs = (performance.now() - started) / ITERATIONS;
    samples.sort();
    const us = (ms: number) => (ms * 1000).toFixed(1);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
    process.stdout.write(
      `  ${label}\n    mean ${us(meanMs)} µs/op (${Math.round(1000 / meanMs)} ops/s)  p50 ${us(at(0.5))}  p99 ${us(at(0.99))}  max ${us(samples[samples.length - 1])} µs` +
        `  → target ≤ 100 µs: ${meanMs <= 0.1 ? 'met' : 'NOT met'}\n`,
    );
  };

  process.stdout.write(`auth-verify: ${ITERATIONS} sequential verifications per case, ES256, warm JWKS cache, node ${process.version}, load avg ${loadavg()[0].toFixed(2)} on ${cpus().length} cores\n`);
  const noCache = createAccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri, algorithms: ['ES256'], verifiedCacheSize: 0 });
  await measure(`every token new (full ECDSA check each time, ${DISTINCT} distinct tokens, result cache off)`, noCache, (i) => distinct[i % DISTINCT]);
  const cached = createAccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri, algorithms: ['ES256'] });
  await measure('same token per session (default verified-token cache; exp and scopes still checked)', cached, () => distinct[0]);
  process.stdout.write(`  JWKS fetched ${fetches}× in total\n`);

  // For scale: one bare P-256 ECDSA verification with node:crypto on this machine, now.
  const { privateKey: raw, publicKey: rawPublic } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.from(distinct[0].split('.').slice(0, 2).join('.'));
  const signature = cryptoSign('sha256', data, { key: raw, dsaEncoding: 'ieee-p1363' });
  const t0 = performance.now();
  for (let i = 0; i < 5_000; i += 1) cryptoVerify('sha256', data, { key: rawPublic, dsaEncoding: 'ieee-p1363' }, signature);
  process.stdout.write(`  floor: bare node:crypto P-256 verify ${(((performance.now() - t0) / 5_000) * 1000).toFixed(1)} µs/op\n`);
  server.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
