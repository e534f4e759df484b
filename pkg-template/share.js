// `loader.share(spec, sink)` for the facade's `shared` option, with
// shared.js loaded only when a shared source is made. `startWorker` starts
// (once) the shared worker that holds streams outside any tab, or is null
// where SharedWorker does not exist.

/** The name the shared worker is started with (and knows itself by). */
export const WORKER_NAME = 'wasm-eventsource';

/** Whether this environment can share a connection across contexts. */
export const sharing = () =>
  typeof BroadcastChannel === 'function' && typeof navigator === 'object' && !!navigator && !!navigator.locks;

export function share(loader, startWorker) {
  return (spec, sink) => {
    let backend = null;
    let left = false;
    import('./shared.js').then((shared) => {
      if (!left) backend = shared.join(loader, spec, sink, startWorker);
    });
    return {
      free() {
        left = true;
        backend?.free();
      },
      reset() {},
      get lastEventId() {
        return backend ? backend.lastEventId : (spec.options.lastEventId ?? '');
      },
      get reconnectionTime() {
        return backend?.reconnectionTime ?? spec.options.initialDelay ?? loader.Engine?.defaultReconnectionTime();
      },
    };
  };
}
