// The entry point for browsers and bundlers (`import ... from
// 'wasm-eventsource'`): the module fetches its WebAssembly next to itself.
// Bundlers that understand `new URL('./file.wasm', import.meta.url)` (Vite,
// webpack 5, Rollup, esbuild with a file loader) emit the file on their own.
import init, { Engine, liveEngines as live } from './wasm_eventsource.js';
import { defineEventSource } from './facade.js';
import { countEngines, loadEngine } from './loader.js';

const loader = loadEngine(
  () => init({ module_or_path: new URL('./wasm_eventsource_bg.wasm', import.meta.url) }),
  Engine
);

/** The EventSource class, backed by the Rust/wasm engine. */
export const EventSource = defineEventSource(loader);
/** Resolves once the WebAssembly module is ready; rejects if it cannot load. */
export const ready = loader.ready;
/** How many engines exist (closed sources free theirs). */
export const liveEngines = countEngines(loader, live);
export default EventSource;
