// `import ... from 'wasm-eventsource'`. Built twice: for browsers and
// bundlers, and for Node, Deno and Bun; './load.js' is the engine's loader
// of each (load-web.js, load-node.js).
import { loader, liveEngines } from './load.js';
import { defineEventSource } from './facade.js';
import { defineEventStreamParser } from './stream-parser.js';

/** The EventSource class, backed by the Rust/wasm engine. */
export const EventSource = defineEventSource(loader);
/** A TransformStream from bytes to events, on the same parser. */
export const EventStreamParser = defineEventStreamParser(loader);
export { EventSourceError } from './iterate.js';
/** Resolves once the WebAssembly module is ready; rejects if it cannot load. */
export const ready = loader.ready;
export { liveEngines };
export default EventSource;
