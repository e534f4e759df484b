// A classic worker: the script-tag file through importScripts(). It defines
// WasmEventSource, and leaves the worker's native EventSource in place.
importScripts('../node_modules/wasm-eventsource/wasm-eventsource.js');

self.onmessage = async (e) => {
  const { stream } = await import('../stream.js');
  self.postMessage({
    ...(await stream(self.WasmEventSource, e.data)),
    keptNative: self.EventSource === self.NativeEventSource,
  });
};
