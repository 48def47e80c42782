/// <reference types='vitest' />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { initialJsBudget } from './build-plugins/initial-js-budget';
import { validatedEnv } from './build-plugins/validated-env';

export default defineConfig(() => ({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/apps/web',
  server: {
    port: 4200,
    host: 'localhost',
    // In development the API runs beside Vite; the gateway does this in production.
    proxy: { '/api': 'http://localhost:3000', '/auth': 'http://localhost:3001' },
  },
  preview: {
    port: 4300,
    host: 'localhost',
  },
  plugins: [validatedEnv(), react(), initialJsBudget({ maxGzipKb: 150 })],
  build: {
    outDir: './dist',
    emptyOutDir: true,
    reportCompressedSize: true,
    commonjsOptions: {
      transformMixedEsModules: true,
    },
  },
  test: {
    name: '@flotilla/web',
    watch: false,
    globals: true,
    testTimeout: 20_000,
    environment: 'jsdom',
    setupFiles: ['./src/testing/setup-tests.ts'],
    include: ['{src,tests,build-plugins}/**/*.{test,spec}.{js,mjs,cjs,ts,mts,cts,jsx,tsx}'],
    reporters: ['default'],
    coverage: {
      reportsDirectory: './test-output/vitest/coverage',
      provider: 'v8' as const,
    },
  },
}));
