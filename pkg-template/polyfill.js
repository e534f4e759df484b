// `import 'wasm-eventsource/polyfill'` in browsers and bundlers.
import { EventSource } from './index.js';
import { install } from './install.js';

install(EventSource);
export { EventSource };
