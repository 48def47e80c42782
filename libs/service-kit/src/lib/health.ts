import { Type } from 'typebox';

export type HealthCheck = (signal: AbortSignal) => Promise<void>;
export type CheckResult = 'ok' | 'timeout' | `error: ${string}`;

export interface HealthRegistry {
  /**
   * Adds a readiness check, run on every GET /readyz with a timeout. The signal
   * aborts when the timeout passes; checks that can be cancelled should honour it.
   */
  register(
    name: string,
    check: HealthCheck,
    options?: { timeoutMs?: number },
  ): void;
  /** Runs every check in parallel. */
  run(): Promise<{ ok: boolean; checks: Record<string, CheckResult> }>;
  readonly names: readonly string[];
}

export const healthzResponseSchema = Type.Object({
  status: Type.Literal('ok'),
});
export const readyzResponseSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), Type.String()),
});

const MAX_ERROR_LENGTH = 200;

class CheckTimeout extends Error {}

async function runOne(
  check: HealthCheck,
  timeoutMs: number,
): Promise<CheckResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new CheckTimeout(`timed out after ${timeoutMs} ms`));
      reject(new CheckTimeout());
    }, timeoutMs);
  });
  try {
    // The race bounds the answer even when a check ignores its signal.
    await Promise.race([
      Promise.resolve().then(() => check(controller.signal)),
      timeout,
    ]);
    return 'ok';
  } catch (error) {
    if (error instanceof CheckTimeout || controller.signal.aborted)
      return 'timeout';
    const message =
      error instanceof Error ? error.message || error.name : String(error);
    return `error: ${message.replace(/\s+/g, ' ').slice(0, MAX_ERROR_LENGTH)}`;
  } finally {
    clearTimeout(timer);
  }
}

export function createHealthRegistry(defaultTimeoutMs: number): HealthRegistry {
  const checks = new Map<string, { check: HealthCheck; timeoutMs: number }>();
  return {
    register(name, check, options = {}) {
      if (checks.has(name))
        throw new Error(`health check "${name}" is already registered`);
      checks.set(name, {
        check,
        timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
      });
    },
    async run() {
      const entries = [...checks.entries()];
      const results = await Promise.all(
        entries.map(([, { check, timeoutMs }]) => runOne(check, timeoutMs)),
      );
      const out: Record<string, CheckResult> = {};
      entries.forEach(([name], i) => {
        out[name] = results[i] as CheckResult;
      });
      return { ok: results.every((r) => r === 'ok'), checks: out };
    },
    get names() {
      return [...checks.keys()];
    },
  };
}
