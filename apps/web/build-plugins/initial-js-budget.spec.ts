import { measureInitialJs, type BundleLike } from './initial-js-budget';

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
