// The JSON records of a collected container log (`docker logs` output, one
// record per line, possibly after a prefix): what the stack checks read.
import { readFileSync } from 'node:fs';

/** Every line of the file that holds a JSON object from its first `{`, parsed; other lines are skipped. */
export function jsonLines(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => {
      const start = line.indexOf('{');
      if (start < 0) return undefined;
      try {
        return JSON.parse(line.slice(start));
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);
}
