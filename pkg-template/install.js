// What the polyfill entry does: install an EventSource class as
// globalThis.EventSource where the environment has none. A native one (in
// windows, workers, and since Chromium 156 and Firefox 133 service workers)
// is kept: import the class by name to use ours with its options.
export function install(EventSource) {
  if (typeof globalThis.EventSource !== 'function') {
    globalThis.EventSource = EventSource;
  }
}
