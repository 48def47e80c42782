import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

interface ChunkLike {
  type: 'chunk';
  fileName: string;
  code: string;
  isEntry: boolean;
  imports: string[];
}
interface AssetLike {
  type: 'asset';
  fileName: string;
}
export type BundleLike = Record<string, ChunkLike | AssetLike>;

export interface InitialJsReport {
  files: { fileName: string; gzipBytes: number }[];
  totalGzipBytes: number;
}

/**
 * What the browser must download before the first render: every entry chunk plus
 * the chunks it imports statically, transitively. Dynamic imports (lazy routes)
 * are left out on purpose; they are the point of the split.
 */
export function measureInitialJs(bundle: BundleLike): InitialJsReport {
  const seen = new Set<string>();
  const queue = Object.values(bundle)
    .filter((item): item is ChunkLike => item.type === 'chunk' && item.isEntry)
    .map((chunk) => chunk.fileName);
  const files: InitialJsReport['files'] = [];
  while (queue.length > 0) {
    const fileName = queue.shift() as string;
    if (seen.has(fileName)) continue;
    seen.add(fileName);
    const chunk = bundle[fileName];
    if (!chunk || chunk.type !== 'chunk') continue;
    files.push({ fileName, gzipBytes: gzipSync(chunk.code).length });
    queue.push(...chunk.imports);
  }
  return { files, totalGzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;

/** Prints the initial JavaScript size (gzipped) and fails the build above the budget. */
export function initialJsBudget(options: { maxGzipKb: number }): Plugin {
  return {
    name: 'flotilla:initial-js-budget',
    apply: 'build',
    generateBundle(_outputOptions, bundle) {
      const report = measureInitialJs(bundle as unknown as BundleLike);
      const lines = report.files.map((file) => `  ${file.fileName.padEnd(48)} ${kb(file.gzipBytes)} gzip`);
      const summary = `Initial JS (entry + static imports): ${kb(report.totalGzipBytes)} gzip, budget ${options.maxGzipKb} kB`;
      console.log(['', summary, ...lines, ''].join('\n'));
      if (report.totalGzipBytes > options.maxGzipKb * 1000) {
        this.error(`${summary}: over budget. Move code behind a lazy route or drop a dependency.`);
      }
    },
  };
}
