// Classic script (the CSP page allows no inline script): report which class
// is window.EventSource, whether the module loaded, and stream with it.
(async () => {
  const name = new URLSearchParams(location.search).get('name');
  const status = {
    replaced: window.EventSource === window.WasmEventSource,
    keptNative: window.EventSource === window.NativeEventSource,
    ready: await window.WasmEventSource.ready.then(() => 'resolved', () => 'rejected'),
  };
  const { stream } = await import('../stream.js');
  window.result = { ...status, ...(await stream(window.EventSource, name)) };
})();
