import type { KitInstance } from '@flotilla/service-kit';
import { buildTestApp, seedTestClients, TEST_CLIENTS } from '../helper';

// The real argon2 binding, its verify counted: a generated client secret must never reach it.
jest.mock('argon2', () => {
  const actual = jest.requireActual<typeof import('argon2')>('argon2');
  return {
    ...actual,
    verify: jest.fn(actual.verify),
    hash: jest.fn(actual.hash),
  };
});
const argon2 = require('argon2') as { verify: jest.Mock; hash: jest.Mock };

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('client secrets at /token (real PostgreSQL)', () => {
  let app: KitInstance;

  beforeAll(async () => {
    app = await buildTestApp();
    await seedTestClients(app);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    argon2.verify.mockClear();
    argon2.hash.mockClear();
  });

  const token = (authorization: string) =>
    app.inject({
      method: 'POST',
      url: '/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization,
      },
      payload: 'grant_type=client_credentials',
    });

  it('when the seed registers a generated secret, then the row holds its SHA-256 digest, not an argon2id hash', async () => {
    const row = await app.prisma.oAuthClient.findUniqueOrThrow({
      where: { id: TEST_CLIENTS.service.id },
    });
    expect(row.secretHash).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
  });

  it('when a sha256 client presents its secret, then /token answers 200 and argon2 is not called', async () => {
    const response = await token(
      basic(TEST_CLIENTS.service.id, TEST_CLIENTS.service.secret),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ token_type: 'Bearer' });
    expect(argon2.verify).not.toHaveBeenCalled();
  });

  it('when a sha256 client presents a wrong secret, then 401 invalid_client and argon2 is not called', async () => {
    const response = await token(
      basic(
        TEST_CLIENTS.service.id,
        `${TEST_CLIENTS.service.secret.slice(0, -1)}X`,
      ),
    );
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'invalid_client' });
    expect(argon2.verify).not.toHaveBeenCalled();
  });

  it('when the client id is unknown, then 401 invalid_client without spending argon2 on it', async () => {
    const response = await token(basic('no-such-client', 'anything-at-all'));
    expect(response.statusCode).toBe(401);
    expect(argon2.verify).not.toHaveBeenCalled();
  });

  it('when a row still holds an argon2id hash (made before the change), then its secret still verifies', async () => {
    const legacy = await jest
      .requireActual<typeof import('argon2')>('argon2')
      .hash(TEST_CLIENTS.service.secret);
    await app.prisma.oAuthClient.update({
      where: { id: TEST_CLIENTS.service.id },
      data: { secretHash: legacy },
    });
    try {
      const response = await token(
        basic(TEST_CLIENTS.service.id, TEST_CLIENTS.service.secret),
      );
      expect(response.statusCode).toBe(200);
      expect(argon2.verify).toHaveBeenCalledTimes(1);
    } finally {
      await seedTestClients(app);
    }
  });
});
