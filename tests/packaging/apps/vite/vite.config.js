// Production build of four pages: the app, the app under a CSP that allows
// WebAssembly, under one that does not, and a shared source.
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
        shared: resolve(import.meta.dirname, 'shared.html'),
      },
    },
  },
});
