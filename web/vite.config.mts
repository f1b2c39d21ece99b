import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard: `vite build --config web/vite.config.ts` (part of `npm run build`) writes
 * dist/web, which Argus serves at / (src/core/http/web-app.ts). `vitest run` uses the same file.
 */
export default defineConfig(({ command }) => ({
  root,
  // React's production build whatever NODE_ENV the shell has (Jest, which runs npm run build in
  // some suites, sets it to "test"): the development build is twice the size and runs effects twice.
  define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Everything is a file of its own under /assets/: the CSP allows no inline script, style or data: font.
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: false,
  },
  test: {
    root,
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
}));
