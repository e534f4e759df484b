// `import ... from 'wasm-eventsource'`. Built twice: for browsers and
// bundlers, and for Node, Deno and Bun; './load.js' is the core's loader
// of each (load-web.js, load-node.js).
import { ready } from './load.js';
import { EventSource } from './facade.js';

export { EventSource, ready };
/** A TransformStream from bytes to events, on the same parser. */
export { EventStreamParser } from './stream-parser.js';
export { EventSourceError } from './iterate.js';
/** How many sources hold a core right now: closed sources free theirs. */
export { liveSources as liveEngines } from './driver.js';
export default EventSource;
