// Production build of three pages: the app, the app under a CSP that allows
// WebAssembly, and under one that does not.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  logLevel: 'warn',
  build: {
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        csp: resolve(import.meta.dirname, 'csp.html'),
        nowasm: resolve(import.meta.dirname, 'nowasm.html'),
      },
    },
  },
});
