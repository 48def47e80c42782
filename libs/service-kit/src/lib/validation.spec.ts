import { Type } from 'typebox';
import { createCapturedLogger } from '@flotilla/logging/testing';
import { createServer, type KitInstance } from './create-server';

const config = {
  LOG_LEVEL: 'silent' as const,
  BODY_LIMIT: 1024,
  REQUEST_TIMEOUT_MS: 30_000,
  KEEP_ALIVE_TIMEOUT_MS: 72_000,
  HEALTH_CHECK_TIMEOUT_MS: 100,
  TRUST_PROXY: 'false',
};

const ItemsQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    ratio: Type.Optional(Type.Number({ minimum: 0 })),
    since: Type.Optional(
      Type.Union([Type.Literal('latest'), Type.Integer({ minimum: 0 })]),
    ),
    id: Type.Optional(Type.Array(Type.Integer())),
    name: Type.Optional(Type.String()),
  },
  { $id: 'ItemsQuery', additionalProperties: false },
);

async function build(): Promise<KitInstance> {
  const app = createServer({
    serviceName: 'kit-test',
    config,
    logger: createCapturedLogger('kit-test', 'silent').logger,
  });
  app.addSchema(ItemsQuerySchema);
  app.get(
    '/items',
    { schema: { querystring: ItemsQuerySchema } },
    async (request) => ({ query: request.query }),
  );
  app.get(
    '/by-ref',
    { schema: { querystring: Type.Ref('ItemsQuery') } },
    async (request) => ({ query: request.query }),
  );
  app.get(
    '/items/:itemId',
    {
      schema: { params: Type.Object({ itemId: Type.Integer({ minimum: 1 }) }) },
    },
    async (request) => ({ params: request.params }),
  );
  app.get(
    '/paged',
    {
      schema: {
        headers: Type.Object({ 'x-page': Type.Optional(Type.Integer()) }),
      },
    },
    async (request) => ({ page: request.headers['x-page'] }),
  );
  await app.ready();
  return app;
}

describe('strict numbers in URL parts', () => {
  let app: KitInstance;
  beforeAll(async () => {
    app = await build();
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['limit=1e400', 'querystring/limit'],
    ['limit=Infinity', 'querystring/limit'],
    ['limit=-Infinity', 'querystring/limit'],
    ['limit=NaN', 'querystring/limit'],
    ['limit=9007199254740993', 'querystring/limit'],
    ['limit=1e2', 'querystring/limit'],
    ['limit=0x10', 'querystring/limit'],
    ['limit=%2012', 'querystring/limit'],
    ['limit=010', 'querystring/limit'],
    ['ratio=1e400', 'querystring/ratio'],
    ['ratio=Infinity', 'querystring/ratio'],
    ['since=1e400', 'querystring/since'],
    ['since=9007199254740993', 'querystring/since'],
    ['id=1&id=Infinity', 'querystring/id'],
  ])(
    'when the query is %s, then 400 VALIDATION_FAILED on %s',
    async (query, field) => {
      const response = await app.inject({
        method: 'GET',
        url: `/items?${query}`,
      });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [expect.objectContaining({ field })],
      });
    },
  );

  it('when the schema is a $ref to a shared schema, then its numbers are strict too', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/by-ref?limit=1e400',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it.each(['/items/1e400', '/items/Infinity', '/items/9007199254740993'])(
    'when a path parameter is %s, then 400 VALIDATION_FAILED',
    async (url) => {
      const response = await app.inject({ method: 'GET', url });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [expect.objectContaining({ field: 'params/itemId' })],
      });
    },
  );

  it('when a header is Infinity, then 400 VALIDATION_FAILED', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/paged',
      headers: { 'x-page': 'Infinity' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('when numbers are plain decimals, then they are coerced and accepted', async () => {
    const accepted = await app.inject({
      method: 'GET',
      url: '/items?limit=100&ratio=0.5&since=9007199254740991&id=1&id=-2&name=1e400',
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({
      query: {
        limit: 100,
        ratio: 0.5,
        since: 9007199254740991,
        id: [1, -2],
        name: '1e400',
      },
    });
  });

  it('when a union allows a word, then the word still passes', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/items?since=latest',
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ query: { since: 'latest' } });
  });

  it('when a path parameter is a plain integer, then it is coerced', async () => {
    const response = await app.inject({ method: 'GET', url: '/items/42' });

    expect(response.json()).toEqual({ params: { itemId: 42 } });
  });
});
