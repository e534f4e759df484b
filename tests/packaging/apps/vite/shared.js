// A shared source in a production build: the bundler must emit the
// package's shared worker (new SharedWorker(new URL('./shared-worker.js',
// import.meta.url))), which then holds the connection.
import { EventSource } from 'wasm-eventsource';

const name = new URLSearchParams(location.search).get('name');
const es = new EventSource(`/sse/${name}`, { shared: true, headers: { 'X-App': name } });
es.addEventListener('greet', async (e) => {
  // This page's client id, from a lock of its own.
  const me = `me-${Math.random()}`;
  const page = await navigator.locks.request(me, async () => (await navigator.locks.query()).held.find((l) => l.name === me).clientId);
  const holder = (await navigator.locks.query()).held.find((l) => l.name.startsWith('wasm-eventsource-holder:'));
  window.result = {
    type: e.type,
    data: e.data,
    lastEventId: e.lastEventId,
    // The worker holds the stream, not this page (which stands by behind it).
    holderHeld: !!holder,
    pageHolds: !!holder && holder.clientId === page,
  };
  es.close();
});
