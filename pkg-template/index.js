// `import ... from 'wasm-eventsource'`. Built twice: for browsers and
// bundlers, and for Node, Deno and Bun; './load.js' is the core's loader
// of each (load-web.js, load-node.js), './platform.js' what only one has
// (share-web.js, share-node.js). EventStreamParser has an entry of
// its own ('wasm-eventsource/parser'); `for await` loads its part on first
// use.
import { ready } from './load.js';
import './platform.js';
import { EventSource } from './facade.js';

export { EventSource, ready };
export { EventSourceError } from './facade.js';
/** How many sources hold a core right now: closed sources free theirs. */
export { liveSources as liveEngines } from './driver.js';
export default EventSource;
