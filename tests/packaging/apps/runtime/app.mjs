// Node, Deno and Bun: `node app.mjs BASE NAME` (or deno run / bun). Streams
// from the test server with a custom header and a named event, polyfills
// globalThis.EventSource, and prints one JSON line.
import { EventSource, ready, liveEngines } from 'wasm-eventsource';

const [base, name] = process.argv.slice(2);
const hadNative = typeof globalThis.EventSource === 'function';
await ready;
const result = await new Promise((resolve) => {
  const es = new EventSource(`${base}/sse/${name}`, { headers: { 'X-App': name } });
  es.addEventListener('greet', (e) => {
    resolve({ type: e.type, data: e.data, lastEventId: e.lastEventId, origin: e.origin });
    es.close();
  });
  es.onerror = (e) => {
    resolve({ error: e.message, reason: e.reason });
    es.close();
  };
});
const { EventSource: Polyfilled } = await import('wasm-eventsource/polyfill');
const pkg = (await import('wasm-eventsource/package.json', { with: { type: 'json' } })).default;
console.log(
  JSON.stringify({
    ...result,
    engines: liveEngines() >= 0,
    hadNative,
    polyfilled: hadNative ? globalThis.EventSource !== EventSource : globalThis.EventSource === Polyfilled,
    version: pkg.version,
  })
);
