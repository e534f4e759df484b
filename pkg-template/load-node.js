// The core for server runtimes (the `node` export condition, which Node,
// Deno and Bun all match): their fetch cannot read a `file:` URL, so the
// WebAssembly is read from disk.
import { readFile } from 'node:fs/promises';
import { start, instantiate } from './core.js';

export const ready = start((imports) => instantiate(readFile(new URL('./wasm_eventsource_bg.wasm', import.meta.url)), imports));
