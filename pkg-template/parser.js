// `import { EventStreamParser } from 'wasm-eventsource/parser'`: the parser
// without the EventSource class. Built for each platform, as index.js.
import { loader } from './load.js';
import { defineEventStreamParser } from './stream-parser.js';

/** A TransformStream from bytes to events. */
export const EventStreamParser = defineEventStreamParser(loader);
/** Resolves once the WebAssembly module is ready; rejects if it cannot load. */
export const ready = loader.ready;
