// `share(spec, sink)` for the facade's `shared` option, with shared.js
// loaded only when a shared source is made. `startWorker` starts (once) the
// shared worker that holds streams outside any tab, or is null where
// SharedWorker does not exist.
import { OPTIONS } from './rules-table.js';
import { core, setupFailure, FREEZE, THAW } from './core.js';
import { Driver, attend, lifecycle } from './driver.js';

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
    let frozen = false;
    // The last event id seen, for joining again after the back/forward cache.
    let lastEventId = spec.options.lastEventId;
    const joined = import('./shared.js');
    const join = () =>
      joined.then((shared) => {
        if (!left && !frozen) backend = shared.join(deps, { ...spec, options: { ...spec.options, lastEventId } }, sink, startWorker);
      });
    join();
    const view = {
      close() {
        left = true;
        lifecycle.delete(view);
        backend?.close();
      },
      reset() {},
      get readyState() {
        return left ? 2 : frozen ? 0 : (backend?.readyState ?? 0);
      },
      get lastEventId() {
        return backend ? backend.lastEventId : (lastEventId ?? '');
      },
      get reconnectionTime() {
        return backend?.reconnectionTime ?? spec.options.initialDelay ?? OPTIONS['retry.initialDelay'].d;
      },
      // The back/forward cache: a page holding Web Locks, or a channel,
      // cannot enter it, so the view leaves the stream (letting the
      // connection go if this context holds it) and joins again on return.
      // (The context holding the connection hears the other events itself.)
      page(event) {
        if (left) return;
        if (event === FREEZE && !frozen) {
          frozen = true;
          if (backend) lastEventId = backend.lastEventId;
          backend?.close(true);
          backend = null;
        } else if (event === THAW && frozen) {
          frozen = false;
          join();
        }
      },
    };
    attend(view);
    return view;
  };
}
