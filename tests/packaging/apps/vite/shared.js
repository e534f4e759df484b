// A shared source in a production build: the bundler must emit the
// package's shared worker (new SharedWorker(new URL('./shared-worker.js',
// import.meta.url))), which then holds the connection.
import { EventSource } from 'wasm-eventsource';

const name = new URLSearchParams(location.search).get('name');
const es = new EventSource(`/sse/${name}`, { shared: true, headers: { 'X-App': name } });
es.addEventListener('greet', async (e) => {
  const locks = await navigator.locks.query();
  window.result = {
    type: e.type,
    data: e.data,
    lastEventId: e.lastEventId,
    // The worker holds the stream: this page holds nor asks for that lock.
    holderHeld: locks.held.some((l) => l.name.startsWith('wasm-eventsource-holder:')),
    pagePending: locks.pending.some((l) => l.name.startsWith('wasm-eventsource-holder:')),
  };
  es.close();
});
