import type { FastifyInstance } from 'fastify';

export async function app(fastify: FastifyInstance) {
  fastify.get('/', async () => ({ message: 'Hello API' }));
}
