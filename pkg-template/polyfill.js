// `import 'wasm-eventsource/polyfill'`: install ours as globalThis.EventSource
// where the environment has none. A native one (in windows, workers, and
// since Chromium 156 and Firefox 133 service workers) is kept: import the
// class by name to use ours with its options.
import { EventSource } from './index.js';

if (typeof globalThis.EventSource !== 'function') {
  globalThis.EventSource = EventSource;
}
export { EventSource };
