// `import { EventStreamParser } from 'wasm-eventsource/parser'`: the parser
// without the EventSource class. Built for each platform, as index.js.
import { ready } from './load.js';

export { ready };
export { EventStreamParser } from './stream-parser.js';
