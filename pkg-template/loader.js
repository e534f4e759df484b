// How an entry point hands the engine to the EventSource class.

/**
 * The `loader` the class reads: `{ Engine, error, ready }`. `instantiate`
 * loads and instantiates the WebAssembly module (it may return a promise);
 * `Engine` is the wasm-bindgen class it makes usable. `ready` resolves
 * once it is, and rejects with the failure otherwise; the class handles
 * that failure itself (every source fails with an error event), so an
 * unawaited `ready` is never an unhandled rejection.
 */
export function loadEngine(instantiate, Engine) {
  const loader = { Engine: null, error: null, ready: null };
  loader.ready = Promise.resolve()
    .then(instantiate)
    .then(
      () => {
        loader.Engine = Engine;
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
