// The types this package takes from its environment are written in terms of
// globals that both TypeScript's DOM library and @types/node (20 and later)
// declare: EventTarget, Event, MessageEvent, Headers, RequestInit, Response,
// ReadableStream, AbortSignal. Names only the DOM library has
// (`HeadersInit`, `RequestCredentials`, `EventListenerOrEventListenerObject`,
// `AddEventListenerOptions`, generic `MessageEvent<T>`) are derived from
// those globals below, so a Node-only project (`"lib": ["es2022"]`,
// `"types": ["node"]`) type-checks this file, and with the DOM library each
// is exactly the DOM's type.

/** A listener `EventTarget.addEventListener` takes (the DOM's `EventListenerOrEventListenerObject`). */
type Listener = NonNullable<Parameters<EventTarget['addEventListener']>[1]>;
/** The options `addEventListener` takes (the DOM's `boolean | AddEventListenerOptions`). */
type AddOptions = Parameters<EventTarget['addEventListener']>[2];
/** The options `removeEventListener` takes (the DOM's `boolean | EventListenerOptions`). */
type RemoveOptions = Parameters<EventTarget['removeEventListener']>[2];
/** A `message` event: the DOM's `MessageEvent<string>`. */
interface TextMessageEvent extends MessageEvent {
  readonly data: string;
}

/** A value a `headers` option may be: anything `new Headers(init)` accepts. */
export type HeadersValue = NonNullable<ConstructorParameters<typeof Headers>[0]>;
/** A request body the `body` option may be. */
export type BodyValue = string | Blob | FormData | URLSearchParams | ArrayBuffer | ArrayBufferView;

/** Backoff between reconnection attempts. Every field is optional; defaults are the standard's. */
export interface RetryOptions {
  /** Reconnection time before the server sends `retry:` (ms). Default 3000. */
  initialDelay?: number;
  /** Upper bound on the computed delay (ms). Default Infinity (no cap). */
  maxDelay?: number;
  /** Growth per consecutive failed attempt. Default 1 (fixed delay). */
  multiplier?: number;
  /** `true` for full jitter, or the randomised fraction of each delay, 0..1. Default 0. */
  jitter?: boolean | number;
  /** Reconnection attempts in a row without data before giving up. Default Infinity. */
  maxAttempts?: number;
}

/** The standard `EventSourceInit` plus wasm-eventsource's extensions. */
export interface EventSourceInit {
  /** Standard: send credentials (cookies) cross-origin. Default false. */
  withCredentials?: boolean;
  /** Request headers, or a (possibly async) function called before every attempt. */
  headers?: HeadersValue | (() => HeadersValue | Promise<HeadersValue>);
  /** HTTP method. Default "GET". */
  method?: string;
  /** Request body (not with GET/HEAD), or a (possibly async) function called before every attempt. */
  body?: BodyValue | (() => BodyValue | Promise<BodyValue>);
  /** Fetch credentials mode; overrides what `withCredentials` implies. */
  credentials?: NonNullable<RequestInit['credentials']>;
  /** `Last-Event-ID` to send on the first request. */
  lastEventId?: string;
  /** Also send the last event id in this query parameter. */
  lastEventIdQueryParam?: string;
  /**
   * What a clean end of the response does: `'reconnect'` (the standard's;
   * the default for GET and HEAD) or `'close'` (the default for other
   * methods: the end means done, so a request body is never sent again;
   * one `error` with reason `'body-ended'`, CLOSED, and `for await` ends).
   */
  streamEnd?: 'reconnect' | 'close';
  /**
   * Whether a redirect is followed (`'follow'`, as native EventSource) or
   * refused (`'error'`: one `error` with reason `'redirect'`, CLOSED, and
   * nothing sent to the new address). The default is `'follow'` without
   * `headers` and `'error'` with them: fetch would send custom headers on to
   * the new address (it drops only `Authorization`, and only across origins).
   */
  redirect?: 'follow' | 'error';
  /** Backoff policy. */
  retry?: RetryOptions;
  /** Statuses that reconnect (honouring `Retry-After`) instead of failing. */
  retryOnStatus?: number[];
  /** Reconnect when nothing (not even a comment) arrives for this long (ms). */
  inactivityTimeout?: number;
  /** Aborting it closes the source. */
  signal?: AbortSignal;
  /** A fetch to use instead of the global one, called as `fetch(url, init)`. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Most bytes of incomplete input to buffer before failing. Default 64 MiB. */
  maxBufferSize?: number;
  /**
   * Share one connection with every tab, frame and worker of this origin
   * that opens the same URL with the same options (`true`), or the same
   * options and this name. Each object still behaves as its own
   * EventSource. With it, `headers` and `body` must be fixed (`body` a
   * string) and `fetch` absent: other contexts cannot call this one's
   * functions. Ignored where BroadcastChannel or Web Locks are missing.
   */
  shared?: boolean | string;
}

/**
 * Why an `error` event fired: fetch failed before a response (`network`),
 * the body broke off (`body-error`) or ended (`body-ended`), the status was
 * not 200 (`status`), the type not `text/event-stream` (`content-type`),
 * `maxBufferSize` was exceeded (`overflow`), nothing arrived within
 * `inactivityTimeout` (`inactivity`), fetch cannot load the URL's scheme
 * (`scheme`), preparing the request failed (`setup`), the server answered but
 * CORS refused the request or its preflight (`cors`), or the page stopped
 * the request with `window.stop()` (`aborted`), or the server redirected a
 * request whose `redirect` option refuses it (`redirect`).
 */
export type EventSourceErrorReason =
  | 'network'
  | 'body-error'
  | 'body-ended'
  | 'status'
  | 'content-type'
  | 'overflow'
  | 'inactivity'
  | 'scheme'
  | 'setup'
  | 'cors'
  | 'aborted'
  | 'redirect';

/**
 * The `error` event: a plain `Event`, as the standard says, with what
 * happened. Every error event of ours carries `reason`, `willRetry`,
 * `attempt` and `message` (and `status`, `retryDelay` where they apply);
 * they are typed optional so that the class stays assignable wherever a
 * DOM `EventSource` is expected.
 */
export interface EventSourceErrorEvent extends Event {
  /** What happened. */
  readonly reason?: EventSourceErrorReason;
  /** Reconnection attempts in a row without an event, counting the one now scheduled. */
  readonly attempt?: number;
  /** The HTTP status, when there was a response. */
  readonly status?: number;
  /** Whether the source will reconnect (`readyState` CONNECTING) or is CLOSED. */
  readonly willRetry?: boolean;
  /** Milliseconds until the next attempt, when `willRetry`. */
  readonly retryDelay?: number;
  /** The source would have reconnected, but `retry.maxAttempts` ran out. */
  readonly gaveUp?: boolean;
  /** A sentence saying what happened and what happens next. */
  readonly message?: string;
}

export interface EventSourceEventMap {
  open: Event;
  message: TextMessageEvent;
  error: EventSourceErrorEvent;
}

/** The events of the standard interface, as TypeScript's DOM library names them. */
export interface StandardEventSourceEventMap {
  error: Event;
  message: MessageEvent;
  open: Event;
}

/**
 * The standard interface, member for member as TypeScript's DOM library
 * declares `EventSource`. It is the type of `this` in event handlers, so an
 * instance of ours is assignable wherever a DOM `EventSource` is expected,
 * and the class to `typeof globalThis.EventSource`.
 */
export interface StandardEventSource extends EventTarget {
  onerror: ((this: StandardEventSource, ev: Event) => any) | null;
  onmessage: ((this: StandardEventSource, ev: MessageEvent) => any) | null;
  onopen: ((this: StandardEventSource, ev: Event) => any) | null;
  readonly readyState: number;
  readonly url: string;
  readonly withCredentials: boolean;
  close(): void;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  addEventListener<K extends keyof StandardEventSourceEventMap>(type: K, listener: (this: StandardEventSource, ev: StandardEventSourceEventMap[K]) => any, options?: AddOptions): void;
  addEventListener(type: string, listener: (this: StandardEventSource, event: MessageEvent) => any, options?: AddOptions): void;
  addEventListener(type: string, listener: Listener, options?: AddOptions): void;
  removeEventListener<K extends keyof StandardEventSourceEventMap>(type: K, listener: (this: StandardEventSource, ev: StandardEventSourceEventMap[K]) => any, options?: RemoveOptions): void;
  removeEventListener(type: string, listener: (this: StandardEventSource, event: MessageEvent) => any, options?: RemoveOptions): void;
  removeEventListener(type: string, listener: Listener, options?: RemoveOptions): void;
}

/** A message, as a `for await` loop over a source yields it. */
export interface EventSourceMessage {
  /** The event type: `message`, or the `event:` field's value. */
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
  /** The origin of the stream's URL (`"null"` for a supplied stream). */
  readonly origin: string;
}

/** Options of `EventSource.messages()`. */
export interface EventSourceMessagesOptions {
  /** Only these event types (default: every type). */
  types?: Iterable<string>;
  /** Messages the loop may fall behind before the source stops reading the response. Default 1024. */
  highWaterMark?: number;
}

/** Thrown out of a `for await` loop when its source fails: the error event's details. */
export declare class EventSourceError extends Error {
  readonly name: 'EventSourceError';
  readonly reason: EventSourceErrorReason;
  /** The HTTP status, when there was a response. */
  readonly status?: number;
  readonly attempt: number;
  /** The source would have reconnected, but `retry.maxAttempts` ran out. */
  readonly gaveUp: boolean;
}

/** A standard EventSource running over fetch streaming. */
export declare class EventSource extends EventTarget implements StandardEventSource {
  constructor(url: string | URL, eventSourceInitDict?: EventSourceInit);
  /**
   * A source that parses a byte stream the page supplies (a `fetch()` body,
   * say) instead of fetching: `open` right away (in a microtask), its events, then one `error`
   * and CLOSED when the stream ends or errors; no reconnection. Its `url` is
   * `about:event-stream` and its messages' origin `"null"`
   * (whatwg/html#12272). Throws a TypeError if the stream is locked.
   */
  static fromReadableStream(stream: ReadableStream<Uint8Array>, init?: Pick<EventSourceInit, 'maxBufferSize'>): EventSource;
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  readonly url: string;
  readonly withCredentials: boolean;
  /** 0 (CONNECTING), 1 (OPEN) or 2 (CLOSED). */
  readonly readyState: number;
  onopen: ((this: StandardEventSource, ev: Event) => any) | null;
  onmessage: ((this: StandardEventSource, ev: TextMessageEvent) => any) | null;
  onerror: ((this: StandardEventSource, ev: EventSourceErrorEvent) => any) | null;
  close(): void;
  /** The source's last event id string: what a reconnection sends as `Last-Event-ID` (whatwg/html#12272). */
  readonly lastEventId: string;
  /** The reconnection time in ms, which the server's `retry:` field sets (whatwg/html#12272). */
  readonly reconnectionTime: number;
  /** Discard buffered, incomplete input, e.g. before a fresh stream is piped in (whatwg/html#12272). */
  reset(): void;
  /**
   * The messages from now on, as an async iterator. The loop keeps going
   * across reconnections and ends when the source is closed; when it fails,
   * an `EventSourceError` is thrown after the messages received. Leaving the
   * loop closes the source. A loop that falls behind makes the source stop
   * reading the response (backpressure).
   */
  messages(options?: EventSourceMessagesOptions): AsyncIterableIterator<EventSourceMessage>;
  /** `for await (const message of source)`: `messages()` of every type. */
  [Symbol.asyncIterator](): AsyncIterableIterator<EventSourceMessage>;
  addEventListener<K extends keyof EventSourceEventMap>(type: K, listener: (this: EventSource, ev: EventSourceEventMap[K]) => any, options?: AddOptions): void;
  addEventListener(type: string, listener: (this: EventSource, event: TextMessageEvent) => any, options?: AddOptions): void;
  addEventListener(type: string, listener: Listener | null, options?: AddOptions): void;
  removeEventListener<K extends keyof EventSourceEventMap>(type: K, listener: (this: EventSource, ev: EventSourceEventMap[K]) => any, options?: RemoveOptions): void;
  removeEventListener(type: string, listener: (this: EventSource, event: TextMessageEvent) => any, options?: RemoveOptions): void;
  removeEventListener(type: string, listener: Listener | null, options?: RemoveOptions): void;
}

/**
 * Resolves when the WebAssembly module is ready; sources made earlier start
 * then (awaiting it is optional). Rejects when the module cannot load (for
 * example under a CSP without 'wasm-unsafe-eval'): every source then fails
 * with an error event.
 */
export declare const ready: Promise<void>;
/** How many sources hold a core: closed sources free theirs, so a test can check that nothing leaks. */
export declare function liveEngines(): number;
export default EventSource;
