// Import maps do not reach workers: the package is imported by path.
import { EventSource } from '../node_modules/wasm-eventsource/index.js';
import { stream } from '../stream.js';

self.onmessage = async (e) => {
  self.postMessage({ ...(await stream(EventSource, e.data)), native: typeof self.EventSource });
};
