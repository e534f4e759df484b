// A module service worker streaming with the named import (Chromium 156 has
// a native EventSource here too, without request headers). import() is not
// allowed in a service worker, so the `for await` part of the class is
// loaded up front with 'wasm-eventsource/iterate'.
import { EventSource } from '../node_modules/wasm-eventsource/index.js';
import '../node_modules/wasm-eventsource/iterate.js';
import { stream } from '../stream.js';

/** The first message of `/sse/{name}`, taken with for await. */
async function firstByLoop(name) {
  for await (const message of new EventSource(`/sse/${name}`, { headers: { 'X-App': name } })) {
    return message.data;
  }
  return null;
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('message', (e) => {
  e.waitUntil(
    (async () => {
      const r = await stream(EventSource, e.data);
      const iterated = await firstByLoop(e.data);
      e.source.postMessage({ ...r, native: typeof self.EventSource, iterated });
    })()
  );
});
