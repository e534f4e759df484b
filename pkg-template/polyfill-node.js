// `import 'wasm-eventsource/polyfill'` in Node, Deno and Bun.
import { EventSource } from './node.js';
import { install } from './install.js';

install(EventSource);
export { EventSource };
