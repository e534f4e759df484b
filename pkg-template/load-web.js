// The core for browsers and bundlers, loaded once for every entry that
// needs it: the WebAssembly beside this file is fetched and compiled while
// it streams in. Bundlers that understand `new URL('./file.wasm',
// import.meta.url)` (Vite, webpack 5, Rollup, esbuild with a file loader)
// emit the file on their own.
import { start, instantiate } from './core.js';

export const ready = start((imports) => instantiate(fetch(new URL('./wasm_eventsource_bg.wasm', import.meta.url)), imports));
