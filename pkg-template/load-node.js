// The engine for server runtimes (the `node` export condition, which Node,
// Deno and Bun all match): their fetch cannot read a `file:` URL, so the
// WebAssembly is read from disk.
import { readFile } from 'node:fs/promises';
import init, * as glue from './wasm_eventsource.js';
import { countEngines, loadEngine } from './loader.js';

export const loader = loadEngine(
  async () => init({ module_or_path: await readFile(new URL('./wasm_eventsource_bg.wasm', import.meta.url)) }),
  glue
);
export const liveEngines = countEngines(loader, glue.liveEngines);
