// `share(spec, sink)` for the facade's `shared` option, with shared.js
// loaded only when a shared source is made. `startWorker` starts (once) the
// shared worker that holds streams outside any tab, or is null where
// SharedWorker does not exist.
import { OPTIONS } from './rules-table.js';
import { core, setupFailure } from './core.js';
import { Driver } from './driver.js';

/** What shared.js needs of the rest. */
export const deps = { Driver, core, setupFailure };

/** `share(spec, sink)` for `shared` sources, set by the entries that can share. */
export const sharing = { share: null };

/** The name the shared worker is started with (and knows itself by). */
export const WORKER_NAME = 'wasm-eventsource';

/** Whether this environment can share a connection across contexts. */
export const canShare = () =>
  typeof BroadcastChannel === 'function' && typeof navigator === 'object' && !!navigator && !!navigator.locks;

export function share(startWorker) {
  return (spec, sink) => {
    let backend = null;
    let left = false;
    import('./shared.js').then((shared) => {
      if (!left) backend = shared.join(deps, spec, sink, startWorker);
    });
    return {
      close() {
        left = true;
        backend?.close();
      },
      reset() {},
      get readyState() {
        return left ? 2 : (backend?.readyState ?? 0);
      },
      get lastEventId() {
        return backend ? backend.lastEventId : (spec.options.lastEventId ?? '');
      },
      get reconnectionTime() {
        return backend?.reconnectionTime ?? spec.options.initialDelay ?? OPTIONS['retry.initialDelay'].d;
      },
    };
  };
}
