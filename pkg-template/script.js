// The script-tag file (`wasm-eventsource/script`, built as one classic
// script with the WebAssembly inlined): `<script src>` in a page,
// `importScripts()` in a classic worker. It defines `WasmEventSource` (ours)
// and `NativeEventSource` (the environment's, if any), and makes ours
// `EventSource` where there is none, or where the tag says `data-force`.
import { initSync, Engine, liveEngines as live } from './wasm_eventsource.js';
import bytes from './wasm_eventsource_bg.wasm';
import { defineEventSource } from './facade.js';
import { countEngines } from './loader.js';
import { WORKER_NAME, share, sharing } from './share.js';
import { serve } from './shared.js';

const script = typeof document !== 'undefined' ? document.currentScript : null;
const loader = { Engine: null, StreamParser: null, error: null, ready: null, share: null };
try {
  // Synchronous, so the class works the moment this script has run. It
  // throws where the page's CSP forbids WebAssembly ('wasm-unsafe-eval').
  initSync({ module: new WebAssembly.Module(bytes) });
  loader.Engine = Engine;
  loader.ready = Promise.resolve();
} catch (error) {
  loader.error = error;
  loader.ready = Promise.reject(error);
  loader.ready.catch(() => {});
}

// `shared` sources: this same file, started as the shared worker, holds
// their connections where SharedWorker exists.
const src = script?.src;
let worker = null;
const startWorker =
  typeof SharedWorker === 'function' && src ? () => (worker ??= new SharedWorker(src, { name: WORKER_NAME })) : null;
if (sharing()) loader.share = share(loader, startWorker);
if (
  typeof SharedWorkerGlobalScope === 'function' &&
  globalThis instanceof SharedWorkerGlobalScope &&
  globalThis.name === WORKER_NAME
) {
  serve(loader);
}

const g = globalThis;
const WasmEventSource = defineEventSource(loader);
Object.defineProperties(WasmEventSource, {
  ready: { value: loader.ready },
  liveEngines: { value: countEngines(loader, live) },
});
g.NativeEventSource = g.EventSource;
g.WasmEventSource = WasmEventSource;
// Never replace a native EventSource with one whose engine cannot run.
const native = typeof g.EventSource === 'function';
if (!native || (loader.Engine && script && script.hasAttribute('data-force'))) {
  g.EventSource = WasmEventSource;
}
