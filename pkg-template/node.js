// The entry point for server runtimes (the `node` export condition, which
// Node, Deno and Bun all match): their fetch cannot read a `file:` URL, so
// the WebAssembly is read from disk.
import { readFile } from 'node:fs/promises';
import init, { Engine, liveEngines as live } from './wasm_eventsource.js';
import { defineEventSource } from './facade.js';
import { countEngines, loadEngine } from './loader.js';

const loader = loadEngine(
  async () => init({ module_or_path: await readFile(new URL('./wasm_eventsource_bg.wasm', import.meta.url)) }),
  Engine
);

/** The EventSource class, backed by the Rust/wasm engine. */
export const EventSource = defineEventSource(loader);
/** Resolves once the WebAssembly module is ready; rejects if it cannot load. */
export const ready = loader.ready;
/** How many engines exist (closed sources free theirs). */
export const liveEngines = countEngines(loader, live);
export default EventSource;
