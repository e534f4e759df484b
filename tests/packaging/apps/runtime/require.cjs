// Node from CommonJS: `node require.cjs BASE NAME`. The package is ES
// modules only; Node 20.19+ and 22.12+ load it with require() (its graph
// has no top-level await, which require() cannot wait for). Streams from
// the test server with a custom header and a named event, like app.mjs,
// and prints one JSON line.
const { EventSource, ready } = require('wasm-eventsource');
const { EventStreamParser } = require('wasm-eventsource/parser');
const { EventSource: Polyfilled } = require('wasm-eventsource/polyfill');
require('wasm-eventsource/iterate');

const [base, name] = process.argv.slice(2);
ready.then(() => {
  const es = new EventSource(`${base}/sse/${name}`, { headers: { 'X-App': name } });
  const report = (result) => {
    es.close();
    console.log(
      JSON.stringify({
        ...result,
        parser: typeof EventStreamParser,
        sameClass: Polyfilled === EventSource,
        requireModule: process.features.require_module,
      })
    );
  };
  es.addEventListener('greet', (e) => report({ type: e.type, data: e.data, lastEventId: e.lastEventId, origin: e.origin }));
  es.onerror = (e) => report({ error: e.message, reason: e.reason });
});
