// Installs wasm-eventsource's EventSource as globalThis.EventSource where the
// environment has none (service workers, for example). Import it for its
// side effect: `import 'wasm-eventsource/polyfill'`.
import { EventSource } from './index.js';

if (typeof globalThis.EventSource !== 'function') {
  globalThis.EventSource = EventSource;
}
export { EventSource };
