// How an entry point hands the engine to the classes.

/**
 * The `loader` the classes read: `{ Engine, StreamParser, error, ready,
 * share }` (`share` is set by entries that can share connections).
 * `instantiate` loads and instantiates the WebAssembly module (it may
 * return a promise); `glue` holds the wasm-bindgen classes it makes usable.
 * `ready` resolves once it is, and rejects with the failure otherwise; the
 * classes handle that failure themselves (every source fails with an error
 * event), so an unawaited `ready` is never an unhandled rejection.
 */
export function loadEngine(instantiate, glue) {
  const loader = { Engine: null, StreamParser: null, error: null, ready: null, share: null };
  loader.ready = Promise.resolve()
    .then(instantiate)
    .then(
      () => {
        loader.Engine = glue.Engine;
        loader.StreamParser = glue.StreamParser;
      },
      (error) => {
        loader.error = error;
        throw error;
      }
    );
  loader.ready.catch(() => {});
  return loader;
}

/** `liveEngines()` for a loader: 0 until the module is ready. */
export function countEngines(loader, liveEngines) {
  return () => (loader.Engine ? liveEngines() : 0);
}

/** The error details every source gets when the module could not load. */
export function setupFailure(loader) {
  return {
    reason: 'setup',
    willRetry: false,
    attempt: 0,
    message: `wasm-eventsource could not load its WebAssembly module: ${loader.error}`,
  };
}
