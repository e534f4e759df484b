// The stream APIs in Node (`node streams.mjs BASE NAME`): EventStreamParser
// over a fetch() body, for await over an EventSource, fromReadableStream(),
// and the parser-only entry. Prints one JSON line.
import { EventSource, EventSourceError } from 'wasm-eventsource';
import { EventStreamParser } from 'wasm-eventsource/parser';

const [base, name] = process.argv.slice(2);
const url = `${base}/sse/${name}`;
const out = {};

const parsed = [];
const retries = [];
const response = await fetch(url);
for await (const e of response.body.pipeThrough(new EventStreamParser({ onRetry: (ms) => retries.push(ms) }))) {
  parsed.push([e.type, e.data, e.lastEventId]);
}
out.parsed = parsed;
out.retries = retries;

// A clean end with no reconnection to follow ends the loop normally...
const iterated = [];
out.ended = 'normally';
try {
  for await (const m of new EventSource(url, { retry: { maxAttempts: 0 } })) iterated.push([m.type, m.data, m.lastEventId]);
} catch (e) {
  out.ended = { isEventSourceError: e instanceof EventSourceError, reason: e.reason };
}
out.iterated = iterated;
// ...and a failure throws (no script for this name: 404).
try {
  for await (const m of new EventSource(`${url}-missing`)) iterated.push(m);
  out.thrown = 'nothing';
} catch (e) {
  out.thrown = { isEventSourceError: e instanceof EventSourceError, reason: e.reason, status: e.status };
}
// With custom headers a redirect is refused: Node's fetch gives the 302 back.
try {
  for await (const m of new EventSource(`${url}-redirect`, { headers: { 'X-Api-Key': 'k' } })) iterated.push(m);
  out.redirect = 'nothing';
} catch (e) {
  out.redirect = { isEventSourceError: e instanceof EventSourceError, reason: e.reason, status: e.status };
}

const fromStream = EventSource.fromReadableStream((await fetch(url)).body);
const streamed = [];
for await (const m of fromStream) streamed.push([m.data, m.origin]);
out.fromStream = { streamed, lastEventId: fromStream.lastEventId, reconnectionTime: fromStream.reconnectionTime, url: fromStream.url };

const alone = [];
const reader = (await fetch(url)).body.pipeThrough(new EventStreamParser()).getReader();
for (;;) {
  const { done, value } = await reader.read();
  if (done) break;
  alone.push(value.data);
}
out.parserOnly = alone;
console.log(JSON.stringify(out));
