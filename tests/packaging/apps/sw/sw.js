// A module service worker streaming with the named import (Chromium 156 has
// a native EventSource here too, without request headers).
import { EventSource } from '../node_modules/wasm-eventsource/index.js';
import { stream } from '../stream.js';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('message', (e) => {
  e.waitUntil(
    stream(EventSource, e.data).then((r) => e.source.postMessage({ ...r, native: typeof self.EventSource }))
  );
});
