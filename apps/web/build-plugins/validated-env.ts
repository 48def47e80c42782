import { loadEnv, type Plugin } from 'vite';
import { checkWebEnv } from '../src/config/env-schema';

/**
 * Fails `vite build`/`vite` at config time when VITE_* settings are wrong, with
 * every problem listed, rather than shipping a bundle that breaks at runtime.
 */
export function validatedEnv(): Plugin {
  return {
    name: 'flotilla:validated-env',
    config(_config, { mode }) {
      const raw = { ...loadEnv(mode, import.meta.dirname + '/..', 'VITE_'), ...pickViteVars(process.env) };
      const result = checkWebEnv(raw);
      if (!result.ok) {
        throw new Error(`Invalid build-time configuration:\n  - ${result.problems.join('\n  - ')}`);
      }
      return {
        define: {
          'import.meta.env.VITE_API_BASE_URL': JSON.stringify(result.env.VITE_API_BASE_URL),
          'import.meta.env.VITE_APP_NAME': JSON.stringify(result.env.VITE_APP_NAME),
        },
      };
    },
  };
}

function pickViteVars(source: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).filter((entry): entry is [string, string] => entry[0].startsWith('VITE_') && entry[1] !== undefined),
  );
}
