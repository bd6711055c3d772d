// The staff console's build (docs/ARCHITECTURE.md, "Staff console"): `npm run build` runs it after `nest build`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console-web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small page: the whole console is one chunk well under the 200 KB budget (test/e2e/console.e2e-spec.ts).
    chunkSizeWarningLimit: 200,
  },
});
