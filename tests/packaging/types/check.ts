// Type-checked by the packaging test (`tsc --noEmit`, strict, TypeScript 5
// and the current major, several module resolutions) against the packed
// tarball: every option, the DOM assignments a drop-in must allow, the
// error event's extras, and the script tag's globals.
import EventSourceDefault, {
  EventSource,
  EventSourceError,
  liveEngines,
  ready,
  type EventSourceErrorEvent,
  type EventSourceErrorReason,
  type EventSourceEventMap,
  type EventSourceInit,
  type EventSourceMessage,
} from 'wasm-eventsource';
import { EventStreamParser, ready as parserReady, type EventStreamMessage } from 'wasm-eventsource/parser';
import { EventSource as Polyfilled } from 'wasm-eventsource/polyfill';
import type {} from 'wasm-eventsource/script';

const init: EventSourceInit = {
  withCredentials: true,
  headers: async () => ({ Authorization: 'Bearer token' }),
  method: 'POST',
  body: () => JSON.stringify({ prompt: 'hi' }),
  credentials: 'include',
  lastEventId: '41',
  lastEventIdQueryParam: 'lastId',
  streamEnd: 'reconnect',
  redirect: 'follow',
  retry: { initialDelay: 1000, maxDelay: 30000, multiplier: 2, jitter: true, maxAttempts: 5 },
  retryOnStatus: [429, 503],
  inactivityTimeout: 45000,
  signal: new AbortController().signal,
  fetch: (input, requestInit) => fetch(input, requestInit),
  maxBufferSize: 1 << 20,
};
const fixedHeaders: EventSourceInit = { headers: new Headers({ 'X-A': '1' }), body: new Blob(['x']), retry: { jitter: 0.5 } };
const sharedInit: EventSourceInit[] = [{ shared: true }, { shared: 'clock', headers: { 'X-A': '1' } }];
// @ts-expect-error streamEnd is 'reconnect' or 'close'
const badEnd: EventSourceInit = { streamEnd: 'never' };
// @ts-expect-error redirect is 'follow' or 'error' (fetch's 'manual' is not offered)
const badRedirect: EventSourceInit = { redirect: 'manual' };
const refused: EventSourceErrorReason = 'redirect';

// The class is a drop-in for the DOM's...
const Ctor: typeof globalThis.EventSource = EventSource;
const Default: typeof globalThis.EventSource = EventSourceDefault;
const FromPolyfill: typeof globalThis.EventSource = Polyfilled;
// ...and its instances are DOM EventSources.
const es = new EventSource(new URL('https://example.test/stream'), init);
const dom: globalThis.EventSource = es;
function readyStateOf(source: globalThis.EventSource): number {
  return source.readyState;
}
readyStateOf(es);
readyStateOf(new Ctor('/x', { withCredentials: false }));
const sources: globalThis.EventSource[] = [es, new Default('/y', fixedHeaders)];

// The extras stay typed for those who want them.
es.onerror = (e) => {
  const reason: EventSourceErrorReason | undefined = e.reason;
  const details: [number | undefined, boolean | undefined, number | undefined, number | undefined, string | undefined] = [
    e.status,
    e.willRetry,
    e.retryDelay,
    e.attempt,
    e.message,
  ];
  void reason;
  void details;
};
es.addEventListener('error', (e: EventSourceErrorEvent) => void e.reason);
es.addEventListener('message', (e) => {
  const data: string = e.data;
  void data;
});
es.addEventListener('custom-type', (e) => void e.lastEventId);
es.onmessage = function (e) {
  this.close();
  void e.origin;
};
const state: 0 | 1 | 2 = es.CLOSED;

// The stream APIs: iteration, fromReadableStream, the parser.
async function streams(response: Response): Promise<string[]> {
  const seen: string[] = [];
  for await (const m of new EventSource('/z')) {
    const message: EventSourceMessage = m;
    seen.push(message.type, message.data, message.lastEventId, message.origin);
    break;
  }
  try {
    for await (const m of es.messages({ types: ['update'], highWaterMark: 100 })) seen.push(m.data);
  } catch (e) {
    if (e instanceof EventSourceError) seen.push(e.reason, String(e.status), String(e.attempt), e.message);
  }
  const fromStream: globalThis.EventSource = EventSource.fromReadableStream(response.body!, { maxBufferSize: 1024 });
  seen.push(String(es.lastEventId), String(es.reconnectionTime));
  es.reset();
  const parsed: ReadableStream<EventStreamMessage> = response.body!.pipeThrough(
    new EventStreamParser({ maxBufferSize: 1 << 16, onRetry: (ms) => seen.push(String(ms)) })
  );
  for await (const event of parsed) seen.push(event.type, event.data, event.lastEventId);
  const alone: TransformStream<Uint8Array, EventStreamMessage> = new EventStreamParser();
  await parserReady;
  return [...seen, String(fromStream.readyState), String(alone.readable.locked)];
}

// With the DOM library, the types the package derives from the environment
// (so that it also compiles without that library) are the DOM's own.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type EventSourceAddListener = Parameters<EventSource['addEventListener']>;
const domTypes: [
  Same<NonNullable<EventSourceInit['headers']>, HeadersInit | (() => HeadersInit | Promise<HeadersInit>)>,
  Same<NonNullable<EventSourceInit['credentials']>, RequestCredentials>,
  Same<EventSourceEventMap['message'], MessageEvent<string>>,
  Same<EventSourceAddListener[1], EventListenerOrEventListenerObject | null>,
  Same<EventSourceAddListener[2], boolean | AddEventListenerOptions | undefined>,
  Same<Parameters<EventSource['removeEventListener']>[2], boolean | EventListenerOptions | undefined>,
] = [true, true, true, true, true, true];
es.addEventListener('message', (e) => {
  // @ts-expect-error a message's data is a string
  const wrong: number = e.data;
  void [wrong, e.ports, e.source];
});

// The script tag's globals.
const Wasm: typeof globalThis.EventSource = WasmEventSource;
const loaded: Promise<void> = WasmEventSource.ready;
const count: number = WasmEventSource.liveEngines() + liveEngines();
const native: typeof globalThis.EventSource | undefined = NativeEventSource;

export const used = [domTypes, sharedInit, badEnd, badRedirect, refused, Default, FromPolyfill, dom, sources, state, Wasm, loaded, count, native, ready, streams];
