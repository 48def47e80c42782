import { initialJsBudget, measureInitialJs, type BundleLike } from './initial-js-budget';

const chunk = (fileName: string, code: string, imports: string[] = [], isEntry = false) => ({
  type: 'chunk' as const,
  fileName,
  code,
  imports,
  isEntry,
});

describe('measureInitialJs', () => {
  it('when the entry imports shared chunks, then they count once and lazy chunks do not count', () => {
    const bundle: BundleLike = {
      'index.js': chunk('index.js', 'a'.repeat(1000), ['vendor.js', 'shared.js'], true),
      'vendor.js': chunk('vendor.js', 'b'.repeat(1000), ['shared.js']),
      'shared.js': chunk('shared.js', 'c'.repeat(1000)),
      'dashboard.js': chunk('dashboard.js', 'd'.repeat(100_000), ['shared.js']),
      'style.css': { type: 'asset', fileName: 'style.css' },
    };

    const report = measureInitialJs(bundle);

    expect(report.files.map((file) => file.fileName)).toEqual(['index.js', 'vendor.js', 'shared.js']);
    expect(report.totalGzipBytes).toBe(report.files.reduce((sum, file) => sum + file.gzipBytes, 0));
    expect(report.totalGzipBytes).toBeLessThan(200);
  });
});

describe('initialJsBudget', () => {
  const run = (maxGzipKb: number, bundle: BundleLike) => {
    const plugin = initialJsBudget({ maxGzipKb });
    const error = vi.fn((message: string) => {
      throw new Error(message);
    });
    const hook = plugin.generateBundle as unknown as (this: { error: typeof error }, o: unknown, b: BundleLike) => void;
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    return () => hook.call({ error }, {}, bundle);
  };
  // Random bytes do not compress, so the gzipped size stays close to 4 kB.
  const incompressible = Array.from({ length: 4000 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('');
  const bundle: BundleLike = { 'index.js': chunk('index.js', incompressible, [], true) };

  it('when the initial JavaScript is over the budget, then the build fails with the figure', () => {
    expect(run(1, bundle)).toThrow(/Initial JS \(entry \+ static imports\): [\d.]+ kB gzip, budget 1 kB: over budget/);
  });

  it('when it is within the budget, then the build goes on and the figure is printed', () => {
    expect(run(150, bundle)).not.toThrow();
    expect(console.log).toHaveBeenCalledWith(expect.stringContaining('index.js'));
  });
});
