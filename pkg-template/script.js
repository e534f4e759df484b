// The script-tag file (`wasm-eventsource/script`, built as one classic
// script with the WebAssembly inlined): `<script src>` in a page,
// `importScripts()` in a classic worker. It defines `WasmEventSource` (ours)
// and `NativeEventSource` (the environment's, if any), and makes ours
// `EventSource` where there is none, or where the tag says `data-force`.
// One character per byte (the build's wasm-as-string plugin).
import wasm from './wasm_eventsource_bg.wasm';
import { core, start } from './core.js';
import { EventSource as WasmEventSource } from './facade.js';
import { liveSources } from './driver.js';
import { WORKER_NAME, share, canShare, sharing, deps } from './share.js';
import { serve } from './shared.js';

const script = typeof document !== 'undefined' ? document.currentScript : null;
// Synchronous, so the class works the moment this script has run. It
// throws where the page's CSP forbids WebAssembly ('wasm-unsafe-eval').
start((imports) => new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.from(wasm, (c) => c.charCodeAt(0))), imports));

// `shared` sources: this same file, started as the shared worker, holds
// their connections where SharedWorker exists.
const src = script?.src;
let worker = null;
const startWorker =
  typeof SharedWorker === 'function' && src ? () => (worker ??= new SharedWorker(src, { name: WORKER_NAME })) : null;
if (canShare()) sharing.share = share(startWorker);
if (
  typeof SharedWorkerGlobalScope === 'function' &&
  globalThis instanceof SharedWorkerGlobalScope &&
  globalThis.name === WORKER_NAME
) {
  serve(deps);
}

const g = globalThis;
Object.defineProperties(WasmEventSource, {
  ready: { value: core.ready },
  liveEngines: { value: liveSources },
});
g.NativeEventSource = g.EventSource;
g.WasmEventSource = WasmEventSource;
// Never replace a native EventSource with one whose core cannot run.
const native = typeof g.EventSource === 'function';
if (!native || (core.x && script && script.hasAttribute('data-force'))) {
  g.EventSource = WasmEventSource;
}
