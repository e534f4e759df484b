// Type-checked by the packaging test (`tsc --noEmit`, strict, no
// skipLibCheck, TypeScript 5 and the current major) against the packed
// tarball, in a project for Node alone: `"lib": ["es2022"]` and
// `"types": ["node"]`, no DOM library. Every declaration file of the
// package must compile there, and the types must stay precise: each
// `@ts-expect-error` below fails the check if the type it probes has
// widened (to `any`, say).
import EventSourceDefault, {
  EventSource,
  EventSourceError,
  liveEngines,
  ready,
  type EventSourceErrorEvent,
  type EventSourceInit,
  type EventSourceMessage,
} from 'wasm-eventsource';
import { EventStreamParser, ready as parserReady, type EventStreamMessage } from 'wasm-eventsource/parser';
import { EventSource as Polyfilled } from 'wasm-eventsource/polyfill';
import type {} from 'wasm-eventsource/iterate';
import type {} from 'wasm-eventsource/script';

const init: EventSourceInit = {
  withCredentials: true,
  headers: async () => ({ Authorization: 'Bearer token' }),
  method: 'POST',
  body: () => new URLSearchParams({ prompt: 'hi' }),
  credentials: 'include',
  lastEventId: '41',
  lastEventIdQueryParam: 'lastId',
  retry: { initialDelay: 1000, maxDelay: 30000, multiplier: 2, jitter: true, maxAttempts: 5 },
  retryOnStatus: [429, 503],
  inactivityTimeout: 45000,
  signal: AbortSignal.timeout(60000),
  fetch: (input, requestInit) => fetch(input, requestInit),
  maxBufferSize: 1 << 20,
};
const others: EventSourceInit[] = [
  { headers: new Headers({ 'X-A': '1' }), body: new Blob(['x']) },
  { headers: [['X-A', '1']], body: new Uint8Array([1]) },
  { headers: { 'X-A': '1' }, body: 'text', shared: 'clock' },
  // @ts-expect-error credentials is one of the fetch modes
  { credentials: 'sometimes' },
  // @ts-expect-error headers are what `new Headers()` takes
  { headers: 42 },
  // @ts-expect-error a body is not a number
  { body: 42 },
];

const es = new EventSource(new URL('https://example.test/stream'), init);
const target: EventTarget = es;
es.onmessage = function (e) {
  const data: string = e.data;
  // @ts-expect-error a message's data is a string
  const wrong: number = e.data;
  this.close();
  void [data, wrong, e.lastEventId, e.origin];
};
es.onerror = (e) => void [e.reason, e.status, e.willRetry, e.retryDelay, e.attempt, e.gaveUp, e.message];
es.addEventListener('error', (e: EventSourceErrorEvent) => void e.reason);
es.addEventListener('update', (e) => {
  const data: string = e.data;
  void data;
});
es.addEventListener('update', { handleEvent: (e) => void e.type }, { once: true, signal: AbortSignal.timeout(1000) });
es.removeEventListener('update', { handleEvent: () => {} }, { capture: false });
// @ts-expect-error a listener is a function or an object with handleEvent
es.addEventListener('update', 42);
// @ts-expect-error once is a boolean
es.addEventListener('update', () => {}, { once: 'yes' });
const state: 0 | 1 | 2 = EventSource.CLOSED;

async function streams(url: string): Promise<string[]> {
  const seen: string[] = [];
  for await (const m of new EventSourceDefault(url)) {
    const message: EventSourceMessage = m;
    seen.push(message.type, message.data, message.lastEventId, message.origin);
    break;
  }
  try {
    for await (const m of es.messages({ types: ['update'], highWaterMark: 100 })) seen.push(m.data);
  } catch (e) {
    if (e instanceof EventSourceError) seen.push(e.reason, String(e.status), String(e.attempt), String(e.gaveUp));
  }
  const response = await fetch(url);
  const fromStream = EventSource.fromReadableStream(response.body!, { maxBufferSize: 1024 });
  seen.push(fromStream.lastEventId, String(fromStream.reconnectionTime), fromStream.url);
  const parsed: ReadableStream<EventStreamMessage> = (await fetch(url)).body!.pipeThrough(
    new EventStreamParser({ maxBufferSize: 1 << 16, onRetry: (ms) => seen.push(String(ms)) })
  );
  for await (const event of parsed) seen.push(event.type, event.data, event.lastEventId);
  await Promise.all([ready, parserReady]);
  return seen;
}

// The script tag's globals compile here too (a worker of a bundle may load it).
const count: number = WasmEventSource.liveEngines() + liveEngines();

export const used = [others, target, state, streams, Polyfilled, count];
