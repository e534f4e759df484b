// `import 'wasm-eventsource/iterate'`: the `for await` part of EventSource,
// loaded up front, for contexts where the class cannot load it on first use
// (a module service worker, where import() is not allowed). Import it
// before the first loop starts.
import * as iteration from './iterate.js';

globalThis[Symbol.for('wasm-eventsource.iterate')] = iteration;
