// The engine for browsers and bundlers, loaded once for every entry that
// needs it: the module fetches its WebAssembly next to itself. Bundlers
// that understand `new URL('./file.wasm', import.meta.url)` (Vite, webpack
// 5, Rollup, esbuild with a file loader) emit the file on their own.
import init, * as glue from './wasm_eventsource.js';
import { countEngines, loadEngine } from './loader.js';
import { WORKER_NAME, share, sharing } from './share.js';

export const loader = loadEngine(
  () => init({ module_or_path: new URL('./wasm_eventsource_bg.wasm', import.meta.url) }),
  glue
);
export const liveEngines = countEngines(loader, glue.liveEngines);

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
loader.share = sharing() ? share(loader, startWorker) : null;
