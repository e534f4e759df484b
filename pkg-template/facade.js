// The JavaScript EventSource class: listeners, event-handler attributes,
// option checks and dispatch. The connection is the driver's (driver.js)
// and every decision about it the core's (the WebAssembly module); the
// class holds no state of the connection of its own: `readyState`,
// `lastEventId` and `reconnectionTime` are read from the core.
import { checkNumber, normalize, validUrl, OPTIONS } from './options.js';
import { STREAM_URL } from './rules-table.js';
import { core, setupFailure } from './core.js';
import { Driver } from './driver.js';
import { sharing } from './share.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

// [spec] A message is a MessageEvent that does not bubble, is not
// cancelable, and has the data, origin and last event id (source null, no
// ports). Where there is a document, creating it with createEvent() and
// initMessageEvent() is the cheapest way (faster than the constructor with
// a dictionary, measured in Chromium; and a third faster again leaving out
// `source` and `ports`, whose defaults are null and []): it gives the same
// event, read through the same getters.
const doc = typeof document === 'object' && document && typeof document.createEvent === 'function' ? document : null;
const messageEvent =
  doc && typeof MessageEvent.prototype.initMessageEvent === 'function'
    ? (type, data, origin, lastEventId) => {
        const e = doc.createEvent('MessageEvent');
        e.initMessageEvent(type, false, false, data, origin, lastEventId);
        return e;
      }
    : (type, data, origin, lastEventId) => new MessageEvent(type, { data, origin, lastEventId });

/** The listener key's capture flag as EventTarget reads it: 2 for capture, 1 otherwise. */
function captures(options) {
  const capture = typeof options === 'object' && options !== null ? options.capture : options;
  return capture ? 2 : 1;
}

// The constructor's first argument when fromReadableStream() makes an
// instance: nothing outside this module can pass it.
const FROM_STREAM = {};

/** Thrown out of a `for await` loop when its source fails; carries the error event's details. */
export class EventSourceError extends Error {
  constructor(details) {
    super(details.message);
    this.name = 'EventSourceError';
    this.reason = details.reason;
    this.status = details.status;
    this.attempt = details.attempt;
    this.gaveUp = details.gaveUp;
  }
}
// The build minifies names away (it keeps none, for size): keep this one.
Object.defineProperty(EventSourceError, 'name', { value: 'EventSourceError' });

/**
 * iterate.js, which `for await` loops load on first use; or loaded up front
 * by `import 'wasm-eventsource/iterate'` (iterate-entry.js), for contexts
 * where import() is not allowed (service workers).
 */
let iteration = null;
export const ITERATION = Symbol.for('wasm-eventsource.iterate');

export class EventSource extends EventTarget {
  #url;
  #withCredentials;
  /** The connection: a Driver, or a shared view (share.js); null until the core is ready. */
  #conn = null;
  /** Closed before a connection existed (an aborted signal, close() while the core loads, a failed load). */
  #closed = false;
  /** What the getters say before the connection exists. */
  #options;
  #origin = '';
  #handlers = { open: null, message: null, error: null };
  #listeners = {};
  #signal;
  #onAbort = null;
  /** The reader of a supplied stream (fromReadableStream), until a driver takes it. */
  #reader = null;
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
      this.#url = STREAM_URL;
      this.#withCredentials = false;
      this.#reader = eventSourceInitDict.reader;
      this.#boot(eventSourceInitDict.options);
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
    if (!parsed || !validUrl(parsed)) {
      throw new DOMException(`Failed to construct 'EventSource': The URL '${href}' is invalid.`, 'SyntaxError');
    }
    const init = normalize(eventSourceInitDict);
    const options = init.options;
    this.#url = parsed.href;
    this.#withCredentials = init.withCredentials;
    if (init.shared !== undefined && sharing.share) {
      // The options as another context gets them, and the stream's key.
      const copied = { ...options, headers: init.sharedHeaders };
      this.#shared = {
        key: JSON.stringify([init.shared, this.#url, copied]),
        url: this.#url,
        options: copied,
      };
    }

    const signal = init.signal;
    if (signal) {
      if (signal.aborted) {
        this.#closed = true;
        return;
      }
      this.#signal = signal;
      this.#onAbort = () => this.close();
      signal.addEventListener('abort', this.#onAbort);
    }

    this.#boot(options);
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
    const fail = (why) => new TypeError(`Failed to execute 'fromReadableStream' on 'EventSource': ${why}`);
    if (arguments.length < 1) throw fail('1 argument required, but only 0 present.');
    if (typeof ReadableStream === 'undefined' || !(stream instanceof ReadableStream)) {
      throw fail("parameter 1 is not of type 'ReadableStream'.");
    }
    if (stream.locked) throw fail('the stream is locked.');
    if (init !== undefined && init !== null && typeof init !== 'object') throw fail("parameter 2 is not of type 'object'.");
    // Checked before the stream is locked.
    const maxBufferSize = checkNumber('EventSource', 'maxBufferSize', init?.maxBufferSize);
    return new this(FROM_STREAM, { reader: stream.getReader(), options: { maxBufferSize } });
  }

  #boot(options) {
    this.#options = options;
    if (core.x) this.#start();
    else core.ready.then(() => this.#start(), () => this.#start());
  }

  #start() {
    if (this.#closed) return;
    if (!core.x) {
      // The WebAssembly module could not be instantiated: fail the connection.
      this.#fail(setupFailure());
      return;
    }
    const sink = {
      open: (origin) => {
        this.#origin = origin;
        this.dispatchEvent(new Event('open'));
      },
      events: (parts) => {
        const n = parts.length - 1;
        const waits = this.#iterators.length ? this.#feedIterators(parts) : null;
        const dispatched = this.#listening.size || this.#heardOnce.size ? this.#dispatch(parts, n) : undefined;
        if (!waits) return dispatched;
        return dispatched ? Promise.all([dispatched, waits]) : waits;
      },
      error: (details) => {
        if (!details.willRetry) return this.#fail(details);
        this.dispatchEvent(Object.assign(new Event('error'), details));
      },
    };
    if (this.#shared) {
      this.#conn = sharing.share(this.#shared, sink);
    } else {
      this.#conn = new Driver(this.#url, this.#options, sink, this.#reader);
      this.#reader = null;
    }
  }

  // Hands the chunk's events to every `for await` loop; resolves, when
  // some loop is behind, once they have all caught up: until then the
  // driver reads no more of the body (backpressure). A loop whose module
  // is still loading keeps the chunk, and the driver waits for the module
  // (and then for the loop, if the kept chunks put it behind).
  #feedIterators(parts) {
    let behind = null;
    for (const it of this.#iterators) {
      const wait = it.feed ? it.feed(parts, this.#origin) : (it.backlog.push([parts, this.#origin]), it.loading);
      if (wait) (behind ??= []).push(wait);
    }
    return behind && Promise.all(behind);
  }

  /**
   * The source's messages (of every type, or of `types`) as an async
   * iterator of `{ type, data, lastEventId, origin }`, from now on. The loop
   * keeps going across reconnections and ends when the source is closed;
   * when it fails, the messages received are yielded and then an
   * `EventSourceError` is thrown (a clean end of the stream with no
   * reconnection to follow just ends the loop). Leaving the loop (break,
   * return, throw) closes the source.
   * When the loop falls `highWaterMark` messages behind, the source stops
   * reading the response until it has caught up halfway.
   */
  messages({ types, highWaterMark = OPTIONS.highWaterMark.d } = {}) {
    if (types !== undefined && (types === null || typeof types[Symbol.iterator] !== 'function' || typeof types === 'string')) {
      throw new TypeError("Failed to execute 'messages' on 'EventSource': option 'types' must be an array of event types.");
    }
    checkNumber('EventSource', 'highWaterMark', highWaterMark);
    // Recorded from now on; iterate.js takes over once loaded.
    const recorder = {
      types: types && new Set(Array.from(types, String)),
      highWaterMark,
      backlog: [],
      ended: null,
      detach: () => {
        this.#iterators = this.#iterators.filter((x) => x !== recorder);
        this.close();
      },
    };
    if (this.readyState === CLOSED) recorder.ended = [null, true];
    else this.#iterators.push(recorder);
    iteration ??= globalThis[ITERATION] ? Promise.resolve(globalThis[ITERATION]) : import('./iterate.js');
    const loop = iteration.then((m) => m.iterate(recorder));
    // What a chunk that arrives before the loop's module waits for.
    recorder.loading = loop.then(
      () => recorder.behind,
      () => undefined
    );
    const it = {
      next: () => loop.then((l) => l.next()),
      return: () => loop.then((l) => l.return()),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    // Once loaded, straight to the loop.
    loop.then((l) => {
      it.next = () => l.next();
      it.return = () => l.return();
    });
    return it;
  }

  /** `for await (const message of source)`: see `messages()`. */
  [Symbol.asyncIterator]() {
    return this.messages();
  }

  // Ends every loop: after their messages with an error when the source
  // failed (`details`), at once when it was closed. A clean end of the
  // stream that is not followed by a reconnection (a supplied stream,
  // `streamEnd: 'close'`, `retry.maxAttempts` spent) ends them normally:
  // only failures throw.
  #endIterators(details) {
    const iterators = this.#iterators;
    if (!iterators.length) return;
    this.#iterators = [];
    const natural = !details || details.reason === 'body-ended';
    const ending = [natural ? null : new EventSourceError(details), !details];
    for (const it of iterators) {
      if (it.end) it.end(...ending);
      else it.ended = ending;
    }
  }

  // [spec] Fail the connection: CLOSED, then one error event. `details`
  // are the core's (reason, status, willRetry, retryDelay, attempt, gaveUp,
  // message), copied onto the event as properties.
  #fail(details) {
    this.#closed = true;
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
      if (this.readyState === CLOSED) return;
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
    // Closing the connection aborts the fetch (or cancels the supplied
    // stream) and the timer, and frees the core.
    this.#conn?.close();
    if (this.#reader) {
      // Closed before a driver took the supplied stream.
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
    this.#closed = true;
    this.#release();
    this.#endIterators(null);
  }

  /**
   * whatwg/html#12272: discard buffered, incomplete input (a partial line
   * and the event being assembled), for example before a fresh stream is
   * piped in. The last event id and the reconnection time are kept.
   */
  reset() {
    this.#conn?.reset();
  }

  /** whatwg/html#12272: the source's last event id string (what a reconnection sends). */
  get lastEventId() {
    return this.#conn ? this.#conn.lastEventId : (this.#options?.lastEventId ?? OPTIONS.lastEventId.d);
  }

  /** whatwg/html#12272: the reconnection time in ms, which the server's `retry:` field sets. */
  get reconnectionTime() {
    return this.#conn ? this.#conn.reconnectionTime : (this.#options?.initialDelay ?? OPTIONS['retry.initialDelay'].d);
  }

  get url() {
    return this.#url;
  }
  get withCredentials() {
    return this.#withCredentials;
  }
  get readyState() {
    if (this.#conn) return this.#conn.readyState;
    return this.#closed ? CLOSED : CONNECTING;
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
