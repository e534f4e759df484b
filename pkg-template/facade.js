// The JavaScript EventSource class. It owns listeners, event-handler
// attributes and option validation; the Rust engine owns the connection,
// the defaults and the meaning of every error. Each entry point (index.js
// for browsers and bundlers, node.js for server runtimes, script.js for the
// script tag) loads the engine its own way and hands it over as `loader`.
//
// `loader` is `{ Engine, error, ready }`: `Engine` is the wasm-bindgen class
// once the module is instantiated (null before), `ready` a promise settled
// when it is, `error` the instantiation failure if any.
import { EventSourceError, MessageIterator } from './iterate.js';
import { checkMaxBufferSize, optionError as sharedOptionError } from './options.js';
import { setupFailure } from './loader.js';

export function defineEventSource(loader) {
  const CONNECTING = 0;
  const OPEN = 1;
  const CLOSED = 2;
  const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
  const FORBIDDEN_METHODS = /^(CONNECT|TRACE|TRACK)$/i;

  // [spec] URL standard, host parsing: once percent-decoded, the host of a
  // special-scheme URL must not contain a forbidden domain code point.
  // Chromium's parser lets some through, percent-encoded; the standard (and
  // Firefox) reject the URL. The same rule is `is_valid_host` in Rust, for
  // the Rust API; here it must run before the WebAssembly module is loaded.
  const SPECIAL_SCHEME = /^(https?|wss?|ftp|file):$/;
  const FORBIDDEN_DOMAIN = /[\u0000-\u0020#%/:<>?@[\\\]^|\u007f]/;
  function validHost(host) {
    if (host.startsWith('[')) return true;
    try {
      return !FORBIDDEN_DOMAIN.test(decodeURIComponent(host));
    } catch {
      return false;
    }
  }

  const optionError = (name, expected) => sharedOptionError('EventSource', name, expected);

  function isBody(v) {
    return (
      typeof v === 'string' ||
      v instanceof Blob ||
      v instanceof ArrayBuffer ||
      ArrayBuffer.isView(v) ||
      (typeof FormData !== 'undefined' && v instanceof FormData) ||
      v instanceof URLSearchParams
    );
  }

  function number(v, name, min, max, expected) {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) {
      throw optionError(name, expected);
    }
    return v;
  }

  // Validate the init dictionary, reading each member once, and return
  // what the engine reads: each option as the user gave it, or undefined
  // (the defaults are the engine's). Throws TypeError naming the option.
  function normalize(init) {
    if (init === undefined || init === null) init = {};
    if (typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError(
        "Failed to construct 'EventSource': The provided value is not of type 'EventSourceInit'."
      );
    }
    const withCredentials = Boolean(init.withCredentials);

    const method = init.method;
    if (method !== undefined && (typeof method !== 'string' || !METHOD_TOKEN.test(method) || FORBIDDEN_METHODS.test(method))) {
      throw optionError('method', 'an HTTP method token such as "GET" or "POST"');
    }

    const headers = init.headers;
    // Fixed headers, checked (and as a list: what another tab gets with `shared`).
    let headerList;
    if (headers !== undefined && typeof headers !== 'function') {
      if (headers === null || typeof headers !== 'object') {
        throw optionError('headers', 'an object, a Headers, an array of [name, value] pairs or a function');
      }
      try {
        headerList = [...new Headers(headers)];
      } catch (e) {
        throw optionError('headers', `valid request headers (${e.message})`);
      }
    }

    const body = init.body;
    if (body !== undefined && body !== null) {
      if (typeof body !== 'function' && !isBody(body)) {
        throw optionError('body', 'a string, Blob, FormData, URLSearchParams, ArrayBuffer, typed array or a function');
      }
      if (method === undefined || /^(GET|HEAD)$/i.test(method)) {
        throw optionError('body', `absent for ${(method || 'GET').toUpperCase()} requests (set 'method', e.g. to "POST")`);
      }
    }

    const credentials = init.credentials;
    if (credentials !== undefined && credentials !== 'omit' && credentials !== 'same-origin' && credentials !== 'include') {
      throw optionError('credentials', '"omit", "same-origin" or "include"');
    }

    const lastEventId = init.lastEventId;
    if (lastEventId !== undefined && (typeof lastEventId !== 'string' || /[\0\r\n]/.test(lastEventId))) {
      throw optionError('lastEventId', 'a string without NUL, CR or LF');
    }

    const idParam = init.lastEventIdQueryParam;
    if (idParam !== undefined && (typeof idParam !== 'string' || idParam === '')) {
      throw optionError('lastEventIdQueryParam', 'a non-empty string');
    }

    const retry = init.retry;
    if (retry !== undefined && (retry === null || typeof retry !== 'object')) {
      throw optionError('retry', 'an object such as { initialDelay, maxDelay, multiplier, jitter, maxAttempts }');
    }
    const r = retry || {};
    const initialDelay = number(r.initialDelay, 'retry.initialDelay', 0, 2147483647, 'a number of milliseconds from 0 to 2147483647');
    const maxDelay = number(r.maxDelay, 'retry.maxDelay', 0, Infinity, 'a number of milliseconds >= 0');
    const multiplier = number(r.multiplier, 'retry.multiplier', 1, 1e6, 'a number >= 1');
    const jitter =
      typeof r.jitter === 'boolean' ? r.jitter : number(r.jitter, 'retry.jitter', 0, 1, 'a boolean or a fraction from 0 to 1');
    const maxAttempts = number(r.maxAttempts, 'retry.maxAttempts', 0, Infinity, 'a whole number >= 0 or Infinity');
    if (maxAttempts !== undefined && maxAttempts !== Infinity && !Number.isInteger(maxAttempts)) {
      throw optionError('retry.maxAttempts', 'a whole number >= 0 or Infinity');
    }

    let retryOnStatus = init.retryOnStatus;
    if (retryOnStatus !== undefined) {
      if (retryOnStatus === null || typeof retryOnStatus[Symbol.iterator] !== 'function') {
        throw optionError('retryOnStatus', 'an array of HTTP status codes');
      }
      retryOnStatus = Array.from(retryOnStatus);
      for (const s of retryOnStatus) {
        if (!Number.isInteger(s) || s < 100 || s > 599) {
          throw optionError('retryOnStatus', 'an array of HTTP status codes (100-599)');
        }
      }
    }

    const inactivityTimeout = number(init.inactivityTimeout, 'inactivityTimeout', 1, 2147483647, 'a number of milliseconds > 0');

    const signal = init.signal;
    if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
      throw optionError('signal', 'an AbortSignal');
    }

    const fetchFn = init.fetch;
    if (fetchFn !== undefined && typeof fetchFn !== 'function') {
      throw optionError('fetch', 'a function with the signature of fetch(url, init)');
    }

    const maxBufferSize = checkMaxBufferSize('EventSource', init.maxBufferSize);

    // `shared`: one connection for every tab, frame and worker asking for the
    // same stream with the same options. Other contexts cannot call this
    // context's functions, so per-attempt functions and a custom fetch are
    // refused, and the request must be copyable: fixed headers, a text body.
    let shared = init.shared;
    if (shared === undefined || shared === false) shared = undefined;
    else if (shared === true) shared = '';
    else if (typeof shared !== 'string' || shared === '') {
      throw optionError('shared', 'true, or a non-empty string naming the stream');
    }
    let sharedHeaders;
    if (shared !== undefined) {
      const perAttempt = (name) =>
        optionError(name, `fixed with 'shared' (other tabs cannot call this tab's functions); leave 'shared' off to recompute it per attempt`);
      if (typeof headers === 'function') throw perAttempt('headers');
      if (typeof body === 'function') throw perAttempt('body');
      if (fetchFn !== undefined) throw optionError('fetch', "absent with 'shared' (other tabs cannot call this tab's fetch)");
      if (body !== undefined && body !== null && typeof body !== 'string') {
        throw optionError('body', "a string with 'shared' (it is copied to the tab or worker that holds the connection)");
      }
      sharedHeaders = headerList;
    }

    return {
      withCredentials,
      signal: signal || undefined,
      shared,
      engine: {
        method,
        headers,
        body: body === null ? undefined : body,
        withCredentials,
        credentials,
        lastEventId,
        lastEventIdQueryParam: idParam,
        initialDelay,
        maxDelay,
        multiplier,
        jitter,
        maxAttempts,
        retryOnStatus,
        inactivityTimeout,
        maxBufferSize,
        fetch: fetchFn,
      },
      sharedHeaders,
    };
  }

  // [spec] A message is a MessageEvent that does not bubble, is not
  // cancelable, and has the data, origin and last event id (source null, no
  // ports). Where there is a document, creating it with createEvent() and
  // initMessageEvent() is the cheapest way (about a quarter faster than the
  // constructor with a dictionary, measured in Chromium); it gives the same
  // event, read through the same getters.
  const doc = typeof document === 'object' && document && typeof document.createEvent === 'function' ? document : null;
  const messageEvent =
    doc && typeof MessageEvent.prototype.initMessageEvent === 'function'
      ? (type, data, origin, lastEventId) => {
          const e = doc.createEvent('MessageEvent');
          e.initMessageEvent(type, false, false, data, origin, lastEventId, null, []);
          return e;
        }
      : (type, data, origin, lastEventId) => new MessageEvent(type, { data, origin, lastEventId });

  /** The listener key's capture flag as EventTarget reads it: 2 for capture, 1 otherwise. */
  function captures(options) {
    const capture = typeof options === 'object' && options !== null ? options.capture : options;
    return capture ? 2 : 1;
  }

  // The constructor's first argument when fromReadableStream() makes an
  // instance: nothing outside this closure can pass it.
  const FROM_STREAM = {};
  /** The URL of such an instance (whatwg/html#12272). */
  const STREAM_URL = 'about:event-stream';

  class EventSource extends EventTarget {
    #url;
    #withCredentials;
    #readyState = CONNECTING;
    #engine = null;
    #origin = '';
    #handlers = { open: null, message: null, error: null };
    #listeners = {};
    #signal;
    #onAbort = null;
    /** The reader of a supplied stream (fromReadableStream), until the engine takes it. */
    #reader = null;
    /** What the getters say when there is no engine (before it starts, after it is freed). */
    #lastEventId = '';
    #reconnectionTime;
    /** Active `for await` loops. */
    #iterators = [];
    /** `{ key, url, options }` of a shared stream (the `shared` option). */
    #shared = null;
    /**
     * The listeners of each event type, keyed as EventTarget keys them
     * (callback, capture): callback -> 1 (bubble) | 2 (capture). A message
     * whose type has none gets no MessageEvent at all: nothing could
     * observe it.
     */
    #listening = new Map();
    /**
     * Types that had a listener `once` or a signal may remove. EventTarget
     * does not say when it goes, and keeping its callback would keep it
     * alive: the type stays heard, which only costs a dispatch.
     */
    #heardOnce = new Set();

    // [spec] WebIDL: one required argument, so `EventSource.length` is 1.
    constructor(url, eventSourceInitDict = undefined) {
      if (arguments.length < 1) {
        throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.");
      }
      super();
      if (url === FROM_STREAM) {
        const { reader, options } = eventSourceInitDict;
        this.#url = STREAM_URL;
        this.#withCredentials = false;
        this.#reader = reader;
        this.#boot(options);
        return;
      }
      const href = String(url);
      // [spec] Resolve against the document's base URL (in a worker: its URL).
      const base = (globalThis.document && document.baseURI) || (globalThis.location && location.href);
      let parsed;
      try {
        parsed = base === undefined ? new URL(href) : new URL(href, base);
      } catch {
        parsed = null;
      }
      if (!parsed || (SPECIAL_SCHEME.test(parsed.protocol) && !validHost(parsed.hostname))) {
        throw new DOMException(`Failed to construct 'EventSource': The URL '${href}' is invalid.`, 'SyntaxError');
      }
      const options = normalize(eventSourceInitDict);
      this.#url = parsed.href;
      this.#withCredentials = options.withCredentials;
      if (options.shared !== undefined && loader.share) {
        // The options as another context gets them, and the stream's key.
        const engineOptions = { ...options.engine, headers: options.sharedHeaders };
        this.#shared = {
          key: JSON.stringify([options.shared, this.#url, engineOptions]),
          url: this.#url,
          options: engineOptions,
        };
      }
      this.#lastEventId = options.engine.lastEventId ?? '';
      this.#reconnectionTime = options.engine.initialDelay;

      const signal = options.signal;
      if (signal) {
        if (signal.aborted) {
          this.#readyState = CLOSED;
          return;
        }
        this.#signal = signal;
        this.#onAbort = () => this.close();
        signal.addEventListener('abort', this.#onAbort);
      }

      this.#boot(options.engine);
    }

    /**
     * EventSource.fromReadableStream(stream): a source that parses a byte
     * stream the page supplies (a fetch() body, say) instead of fetching:
     * `open` in a microtask, its events, then one `error` and CLOSED when the
     * stream ends or errors; no reconnection. Its URL is about:event-stream,
     * its messages' origin "null" (whatwg/html#12272). The optional second
     * argument takes `maxBufferSize`.
     */
    static fromReadableStream(stream, init = undefined) {
      const fail = (why) =>
        new TypeError(`Failed to execute 'fromReadableStream' on 'EventSource': ${why}`);
      if (arguments.length < 1) throw fail('1 argument required, but only 0 present.');
      if (typeof ReadableStream === 'undefined' || !(stream instanceof ReadableStream)) {
        throw fail("parameter 1 is not of type 'ReadableStream'.");
      }
      if (stream.locked) throw fail('the stream is locked.');
      if (init !== undefined && init !== null && typeof init !== 'object') throw fail("parameter 2 is not of type 'object'.");
      // Checked before the stream is locked.
      const maxBufferSize = checkMaxBufferSize('EventSource', init?.maxBufferSize);
      return new this(FROM_STREAM, { reader: stream.getReader(), options: { maxBufferSize } });
    }

    #boot(options) {
      if (loader.Engine) this.#start(options);
      else {
        loader.ready.then(
          () => this.#start(options),
          () => this.#start(options)
        );
      }
    }

    #start(options) {
      if (this.#readyState === CLOSED) return;
      if (!loader.Engine) {
        // The wasm module could not be instantiated: fail the connection.
        this.#fail(setupFailure(loader));
        return;
      }
      const sink = {
        open: (origin) => {
          this.#origin = origin;
          this.#readyState = OPEN;
          this.dispatchEvent(new Event('open'));
        },
        events: (packed) => {
          const parts = packed.split('\r');
          const n = parts.length - 1;
          const waits = this.#iterators.length ? this.#feedIterators(parts, n) : null;
          const dispatched = this.#listening.size || this.#heardOnce.size ? this.#dispatch(parts, n) : undefined;
          if (!waits) return dispatched;
          return dispatched ? Promise.all([dispatched, waits]) : waits;
        },
        error: (details) => {
          if (!details.willRetry) return this.#fail(details);
          this.#readyState = CONNECTING;
          this.dispatchEvent(Object.assign(new Event('error'), details));
        },
      };
      if (this.#reader) {
        this.#engine = loader.Engine.fromStream(this.#reader, options, sink);
        this.#reader = null;
      } else if (this.#shared) {
        this.#engine = loader.share(this.#shared, sink);
      } else {
        this.#engine = new loader.Engine(this.#url, options, sink);
      }
    }

    // Hands the chunk's events to every `for await` loop; resolves, when
    // some loop is behind, once they have all caught up: until then the
    // engine reads no more of the body (backpressure).
    #feedIterators(parts, n) {
      let behind = null;
      for (const it of this.#iterators) {
        for (let i = 0; i < n; i += 3) {
          if (it.wants(parts[i + 1])) it.push({ type: parts[i + 1], data: parts[i], lastEventId: parts[i + 2], origin: this.#origin });
        }
        if (it.full) (behind ??= []).push(it.drained());
      }
      return behind && Promise.all(behind);
    }

    /**
     * The source's messages (of every type, or of `types`) as an async
     * iterator of `{ type, data, lastEventId, origin }`, from now on. The loop
     * keeps going across reconnections and ends when the source is closed;
     * when it fails, the messages received are yielded and then an
     * `EventSourceError` is thrown (the end of a supplied stream just ends
     * the loop). Leaving the loop (break, return, throw) closes the source.
     * When the loop falls `highWaterMark` messages behind, the source stops
     * reading the response until it has caught up halfway.
     */
    messages({ types, highWaterMark = 1024 } = {}) {
      if (types !== undefined && (types === null || typeof types[Symbol.iterator] !== 'function' || typeof types === 'string')) {
        throw new TypeError("EventSource.messages(): 'types' must be an array of event types.");
      }
      if (typeof highWaterMark !== 'number' || !(highWaterMark >= 1)) {
        throw new TypeError("EventSource.messages(): 'highWaterMark' must be a number >= 1.");
      }
      const it = new MessageIterator(types && new Set(Array.from(types, String)), highWaterMark, () => {
        this.#iterators = this.#iterators.filter((x) => x !== it);
        this.close();
      });
      if (this.#readyState === CLOSED) it.end(null, true);
      else this.#iterators.push(it);
      return it;
    }

    /** `for await (const message of source)`: see `messages()`. */
    [Symbol.asyncIterator]() {
      return this.messages();
    }

    // Ends every loop: after their messages with an error when the source
    // failed (`details`), at once when it was closed.
    #endIterators(details) {
      const iterators = this.#iterators;
      if (!iterators.length) return;
      this.#iterators = [];
      const natural = !details || (details.reason === 'body-ended' && this.#url === STREAM_URL);
      for (const it of iterators) it.end(natural ? null : new EventSourceError(details), !details);
    }

    // [spec] Fail the connection: CLOSED, then one error event. `details`
    // are the engine's (reason, status, willRetry, retryDelay, attempt,
    // message), copied onto the event as properties.
    #fail(details) {
      this.#readyState = CLOSED;
      this.#release();
      this.#endIterators(details);
      this.dispatchEvent(Object.assign(new Event('error'), details));
    }

    #dispatchMessage(parts, i) {
      this.dispatchEvent(messageEvent(parts[i + 1], parts[i], this.#origin, parts[i + 2]));
    }

    /** The index of the next event from `i` whose type has a listener, or -1. */
    #nextHeard(parts, i, n) {
      for (; i < n; i += 3) if (this.#listening.has(parts[i + 1]) || this.#heardOnce.has(parts[i + 1])) return i;
      return -1;
    }

    // The events of one chunk that someone listens to: the first at once,
    // then one microtask turn between events, so promise reactions a
    // listener queues run before the next event. (Native gives each event a
    // task; yielding a task per event would cost ~10x in throughput, so
    // reactions chained deeper than one turn may run later.) Returns a
    // promise while events are left.
    #dispatch(parts, n) {
      let i = this.#nextHeard(parts, 0, n);
      if (i < 0) return undefined;
      this.#dispatchMessage(parts, i);
      i = this.#nextHeard(parts, i + 3, n);
      return i < 0 ? undefined : this.#dispatchRest(parts, i, n);
    }

    async #dispatchRest(parts, i, n) {
      for (; i >= 0; i = this.#nextHeard(parts, i + 3, n)) {
        await null;
        // [spec] Events queued for dispatch are dropped once closed.
        if (this.#readyState === CLOSED) return;
        this.#dispatchMessage(parts, i);
      }
    }

    addEventListener(type, callback, options = undefined) {
      super.addEventListener(type, callback, options);
      if (callback === null || callback === undefined) return;
      const t = String(type);
      if (typeof options === 'object' && options !== null && (options.once || options.signal)) {
        this.#heardOnce.add(t);
        return;
      }
      const bit = captures(options);
      let byCallback = this.#listening.get(t);
      if (!byCallback) this.#listening.set(t, (byCallback = new Map()));
      byCallback.set(callback, (byCallback.get(callback) ?? 0) | bit);
    }

    removeEventListener(type, callback, options = undefined) {
      super.removeEventListener(type, callback, options);
      const t = String(type);
      const byCallback = this.#listening.get(t);
      if (!byCallback || callback === null || callback === undefined) return;
      const left = (byCallback.get(callback) ?? 0) & ~captures(options);
      if (left) byCallback.set(callback, left);
      else {
        byCallback.delete(callback);
        if (!byCallback.size) this.#listening.delete(t);
      }
    }

    #release() {
      if (this.#engine) {
        this.#lastEventId = this.#engine.lastEventId;
        this.#reconnectionTime = this.#engine.reconnectionTime;
        // Freeing the engine closes it: the fetch is aborted (or the supplied
        // stream cancelled), the timer cancelled.
        this.#engine.free();
        this.#engine = null;
      }
      if (this.#reader) {
        // Closed before the engine took the supplied stream.
        this.#reader.cancel().catch(() => {});
        this.#reader = null;
      }
      if (this.#onAbort) {
        this.#signal.removeEventListener('abort', this.#onAbort);
        this.#onAbort = null;
        this.#signal = undefined;
      }
    }

    // [spec] close(): abort everything, set CLOSED, fire nothing.
    close() {
      this.#readyState = CLOSED;
      this.#release();
      this.#endIterators(null);
    }

    /**
     * whatwg/html#12272: discard buffered, incomplete input (a partial line
     * and the event being assembled), for example before a fresh stream is
     * piped in. The last event id and the reconnection time are kept.
     */
    reset() {
      this.#engine?.reset();
    }

    /** whatwg/html#12272: the source's last event id string (what a reconnection sends). */
    get lastEventId() {
      return this.#engine ? this.#engine.lastEventId : this.#lastEventId;
    }

    /**
     * whatwg/html#12272: the reconnection time in ms, which the server's
     * `retry:` field sets. NaN before the module is ready unless
     * `retry.initialDelay` was given.
     */
    get reconnectionTime() {
      if (this.#engine) return this.#engine.reconnectionTime;
      if (this.#reconnectionTime !== undefined) return this.#reconnectionTime;
      return loader.Engine ? loader.Engine.defaultReconnectionTime() : NaN;
    }

    get url() {
      return this.#url;
    }
    get withCredentials() {
      return this.#withCredentials;
    }
    get readyState() {
      return this.#readyState;
    }

    get onopen() {
      return this.#handlers.open;
    }
    set onopen(v) {
      this.#setHandler('open', v);
    }
    get onmessage() {
      return this.#handlers.message;
    }
    set onmessage(v) {
      this.#setHandler('message', v);
    }
    get onerror() {
      return this.#handlers.error;
    }
    set onerror(v) {
      this.#setHandler('error', v);
    }

    // [spec] Event-handler attribute: one listener slot per type, added when
    // first set, kept in place when replaced, removed when set to null.
    // Non-objects are treated as null (WebIDL [LegacyTreatNonObjectAsNull]).
    #setHandler(type, value) {
      const v = typeof value === 'function' || (typeof value === 'object' && value !== null) ? value : null;
      const had = this.#handlers[type] !== null;
      this.#handlers[type] = v;
      if (v === null) {
        if (had) this.removeEventListener(type, this.#listeners[type]);
        return;
      }
      if (!had) {
        const handlers = this.#handlers;
        const listener =
          this.#listeners[type] ||
          (this.#listeners[type] = function (event) {
            const h = handlers[type];
            if (typeof h === 'function' && h.call(this, event) === false) event.preventDefault();
          });
        this.addEventListener(type, listener);
      }
    }
  }

  for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSED', CLOSED]]) {
    Object.defineProperty(EventSource, name, { value, enumerable: true });
    Object.defineProperty(EventSource.prototype, name, { value, enumerable: true });
  }
  Object.defineProperty(EventSource.prototype, Symbol.toStringTag, { value: 'EventSource', configurable: true });
  // The build minifies names away (it keeps none, for size): keep this one.
  Object.defineProperty(EventSource, 'name', { value: 'EventSource' });
  return EventSource;
}
