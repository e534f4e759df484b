// The engine for browsers and bundlers, loaded once for every entry that
// needs it: the module fetches its WebAssembly next to itself. Bundlers
// that understand `new URL('./file.wasm', import.meta.url)` (Vite, webpack
// 5, Rollup, esbuild with a file loader) emit the file on their own.
import init, * as glue from './wasm_eventsource.js';
import { countEngines, loadEngine } from './loader.js';

export const loader = loadEngine(
  () => init({ module_or_path: new URL('./wasm_eventsource_bg.wasm', import.meta.url) }),
  glue
);
export const liveEngines = countEngines(loader, glue.liveEngines);
