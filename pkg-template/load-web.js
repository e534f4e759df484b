// The core for browsers and bundlers, loaded once for every entry that
// needs it: the WebAssembly beside this file is fetched and compiled while
// it streams in. Bundlers that understand `new URL('./file.wasm',
// import.meta.url)` (Vite, webpack 5, Rollup, esbuild with a file loader)
// emit the file on their own.
import { start, instantiate } from './core.js';
import { WORKER_NAME, share, canShare, sharing } from './share.js';

export const ready = start((imports) => instantiate(fetch(new URL('./wasm_eventsource_bg.wasm', import.meta.url)), imports));

// `shared` sources: the shared worker (shared-worker.js beside this file)
// holds their connections where SharedWorker exists.
let worker = null;
const startWorker =
  typeof SharedWorker === 'function'
    ? () =>
        (worker ??= new SharedWorker(new URL('./shared-worker.js', import.meta.url), {
          type: 'module',
          name: WORKER_NAME,
        }))
    : null;
if (canShare()) sharing.share = share(startWorker);
