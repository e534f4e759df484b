// The JavaScript driver: the I/O of one source (fetch, the body's reader
// loop, the timer, aborts, the CORS probe, window.stop()), carried out as
// the core decides. It reports every input to the core (src/module.rs)
// and does what the returned action says; it decides nothing about the
// protocol itself. What it is told goes to a `sink`:
//   open(origin)       the ready state is OPEN
//   events(parts)      the events of one chunk (core.js `events()`); a
//                      returned promise stops reading until it settles
//   error(details)     fire `error` (details.willRetry: CONNECTING, else CLOSED)
import { put, putBytes, text, events, errorDetails, regs, FETCH, OPEN, PROBE, RETRY, FAIL, TIMER, ABORT } from './core.js';
import { STOP, LEAVING, FREEZE, THAW, OFFLINE, ONLINE } from './core.js';
import {
  sourceNew,
  sourceFree,
  sourceRetryOn,
  sourceConnect,
  sourceConnectStream,
  sourceResponse,
  sourceBody,
  sourceDelivered,
  sourceBodyEnd,
  sourceFetchError,
  sourceProbe,
  sourceBodyError,
  sourceSetupError,
  sourcePage,
  sourceSuspend,
  sourceResume,
  sourceTimer,
  sourceClose,
  sourceReset,
  sourceReadyState,
  sourceReconnectionTime,
  sourceLastEventId,
} from './core.js';
import { CREDENTIALS, STREAM_ENDS, REDIRECTS, NOT_BYTES, NOT_RESPONSE } from './rules-table.js';

const now = () => performance.now();
const messageOf = (e) => String(e?.message ?? e);
/** fetch's own request members: the standard's (HTML § 9.2.2, "the EventSource(url, eventSourceInitDict) constructor"). */
const STANDARD_REQUEST = { mode: 'cors', cache: 'no-store', redirect: 'follow' };
const perAttempt = (v) => (typeof v === 'function' ? v() : v);
/** What a value is, for an error's words: "a string", "null", "an ArrayBuffer". */
const kind = (v) => {
  const name = v === null ? 'null' : typeof v === 'object' ? v.constructor?.name || 'Object' : typeof v;
  return name === 'null' || name === 'undefined' ? name : (/^[AEIOU]/i.test(name) ? 'an ' : 'a ') + name;
};
/**
 * Whether a chunk is bytes: a Uint8Array (a Node Buffer is one), from this
 * realm or another: the Fetch and Streams standards' read loops take nothing else.
 */
const isBytes = (v) => Object.prototype.toString.call(v) === '[object Uint8Array]';
/** The origin of the URL the core's OPEN names, serialized by the platform's URL parser. */
const originOf = (url) => new URL(url).origin;

/**
 * Everything with a connection that the page's life reaches: each driver,
 * and each `shared` view (share.js). Each has `page(event)`, `event` one
 * of core.js's page events (STOP, LEAVING, FREEZE, THAW, OFFLINE, ONLINE).
 */
export const lifecycle = new Set();
/** The drivers with a core, for liveEngines(). */
const live = new Set();
let hooked = false;

/** Tells every member of `lifecycle` of page event `event`. */
const tell = (event) => () => {
  for (const member of [...lifecycle]) member.page(event);
};

// What the page's life does to its sources, hooked once per context:
// - [spec] window.stop() aborts the document's fetches, and a native
//   EventSource with a fetch in flight is closed with an `error` event. A
//   fetch stopped that way rejects (or errors its body) like a network
//   failure, which would make ours reconnect: so `window.stop` is wrapped
//   to tell every source first, then stop.
// - The back/forward cache (whatwg/html#12381, proposed): entering it
//   (`pagehide` with `persisted`; `freeze` where the Page Lifecycle API
//   exists) lets every connection go without an error; coming back
//   (`pageshow` with `persisted`; `resume`) reconnects at once. WebKit
//   cuts the connections of a page going into the cache right after
//   `beforeunload`, before `pagehide`: so `beforeunload` opens a short
//   grace in which a failed connection is let go the same way.
// - `online` and `offline`, in windows and workers.
function hookLifecycle() {
  hooked = true;
  const g = globalThis;
  const original = g.document && g.stop;
  if (typeof original === 'function') {
    g.stop = function stop() {
      tell(STOP)();
      return original.call(this);
    };
  }
  if (typeof g.addEventListener !== 'function') return;
  const freeze = tell(FREEZE);
  const thaw = tell(THAW);
  g.addEventListener('beforeunload', tell(LEAVING));
  g.addEventListener('pagehide', (e) => e.persisted && freeze());
  g.addEventListener('pageshow', (e) => e.persisted && thaw());
  g.document?.addEventListener('freeze', freeze);
  g.document?.addEventListener('resume', thaw);
  g.addEventListener('offline', tell(OFFLINE));
  g.addEventListener('online', tell(ONLINE));
}

/** Makes `member` hear the page's life (hooking it the first time). */
export function attend(member) {
  lifecycle.add(member);
  if (!hooked) hookLifecycle();
}

/** Whether the browser says it is offline. */
export const offline = () => globalThis.navigator?.onLine === false;

export class Driver {
  #s;
  #sink;
  #url;
  #options;
  #conn = 0;
  #abort = null;
  #reader = null;
  #timer = null;
  /** The URL of the last fetch, which a CORS probe asks for again. */
  #probeUrl = '';
  /** What the getters say once the core is freed. */
  #closed = null;

  /**
   * A source of `url` (resolved) with `options` (validated: `method`,
   * `headers`, `body`, `fetch` as given, and the numbers and strings the
   * core reads), reporting to `sink`. With `reader` it reads that supplied
   * stream instead of fetching. Starts in a microtask.
   */
  constructor(url, options, sink, reader = null) {
    this.#url = url;
    this.#options = options;
    this.#sink = sink;
    const o = options;
    const param = o.lastEventIdQueryParam;
    const [idLength, paramLength] = put(o.lastEventId ?? '', param ?? '');
    const n = (v) => (v === undefined ? NaN : +v);
    this.#s = sourceNew(
      n(o.initialDelay),
      n(o.multiplier),
      n(o.maxDelay),
      n(o.jitter),
      n(o.maxAttempts),
      n(o.inactivityTimeout),
      n(o.maxBufferSize),
      CREDENTIALS.indexOf(o.credentials) + 1,
      (o.withCredentials ? 1 : 0) |
        (o.fetch ? 2 : 0) |
        (param !== undefined ? 4 : 0) |
        ((STREAM_ENDS.indexOf(o.streamEnd) + 1) << 3) |
        ((REDIRECTS.indexOf(o.redirect) + 1) << 5) |
        (o.withoutBody ? 0 : 128) |
        (o.headers !== undefined ? 256 : 0),
      idLength,
      paramLength
    );
    for (const status of o.retryOnStatus ?? []) sourceRetryOn(this.#s, status);
    if (offline()) sourcePage(this.#s, OFFLINE, 0);
    live.add(this);
    attend(this);
    queueMicrotask(() => {
      if (!this.#s) return;
      if (reader) {
        this.#reader = reader;
        if (sourceConnectStream(this.#s, now()) === OPEN) {
          this.#sink.open(originOf(text()));
          this.#read(1, reader);
        }
      } else {
        this.#perform(sourceConnect(this.#s, now(), ...put(url)));
      }
    });
  }

  get readyState() {
    return this.#s ? sourceReadyState(this.#s) : 2;
  }

  get lastEventId() {
    if (!this.#s) return this.#closed.lastEventId;
    sourceLastEventId(this.#s);
    return text();
  }

  get reconnectionTime() {
    return this.#s ? sourceReconnectionTime(this.#s) : this.#closed.reconnectionTime;
  }

  /** reset(): discard buffered, incomplete input. */
  reset() {
    if (this.#s) sourceReset(this.#s);
  }

  /** Page event `event` (see `lifecycle`). */
  page(event) {
    if (this.#s) this.#perform(sourcePage(this.#s, event, now()));
  }

  /**
   * close(): abort the fetch (or cancel the supplied stream), cancel the
   * timer, free the core. Fires nothing. Idempotent.
   */
  close() {
    if (!this.#s) return;
    this.#closed = { lastEventId: this.lastEventId, reconnectionTime: this.reconnectionTime };
    sourceClose(this.#s);
    sourceFree(this.#s);
    this.#s = null;
    live.delete(this);
    lifecycle.delete(this);
    this.#stopTimer();
    if (this.#abort) this.#abortFetch();
    else if (this.#reader) this.#reader.cancel().catch(() => {});
  }

  #abortFetch() {
    this.#abort?.abort();
    this.#abort = null;
  }

  #stopTimer() {
    clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(ms) {
    this.#stopTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#s) this.#perform(sourceTimer(this.#s, now()));
    }, ms);
  }

  /** Carries out the action `code` (details in the registers and text). */
  #perform(code) {
    switch (code) {
      case FETCH: {
        const conn = regs[0];
        const timer = regs[1];
        const credentials = CREDENTIALS[regs[2]];
        const flags = regs[3];
        const [header, name, value] = text().split('\r');
        if (timer === timer) this.#arm(timer);
        this.#fetch(conn, flags & 1 ? header : null, flags & 2 ? [name, value] : null, credentials, flags & 4);
        break;
      }
      case PROBE:
        this.#probe(this.#conn);
        break;
      case RETRY:
      case FAIL: {
        const details = errorDetails();
        this.#abortFetch();
        if (code === RETRY) {
          // Armed before the event fires, so a listener's close() cancels it.
          this.#arm(details.retryDelay);
        } else {
          this.close();
        }
        this.#sink.error(details);
        break;
      }
      case TIMER:
        this.#arm(regs[0]);
        break;
      case ABORT:
        // The connection is let go (the back/forward cache): no error.
        this.#abortFetch();
        this.#stopTimer();
        break;
    }
  }

  /** Whether `conn` is still this source's connection. */
  #current(conn) {
    return this.#s !== null && this.#conn === conn;
  }

  async #fetch(conn, lastEventId, query, credentials, refuseRedirects) {
    this.#conn = conn;
    const controller = new AbortController();
    this.#abort = controller;
    const o = this.#options;
    let url = this.#url;
    let init;
    try {
      const headers = new Headers((await perAttempt(o.headers)) ?? undefined);
      // [spec] The request accepts text/event-stream, unless the app asks
      // for something else.
      if (!headers.has('accept')) headers.set('accept', 'text/event-stream');
      if (lastEventId !== null) headers.set('last-event-id', lastEventId);
      if (query) {
        const u = new URL(url);
        u.searchParams.set(query[0], query[1]);
        url = u.href;
      }
      const body = (await perAttempt(o.body)) ?? undefined;
      init = { ...STANDARD_REQUEST, method: o.method, headers, body, credentials, signal: controller.signal };
      // Refused redirects: `manual` gives the redirect back (opaque in a
      // browser) instead of following it with the headers.
      if (refuseRedirects) init.redirect = 'manual';
    } catch (e) {
      if (this.#current(conn)) this.#perform(sourceSetupError(this.#s, conn, ...put(messageOf(e))));
      return;
    }
    if (!this.#current(conn)) return;
    this.#probeUrl = url;
    let response;
    try {
      response = await (o.fetch ? o.fetch(url, init) : fetch(url, init));
    } catch (e) {
      if (this.#current(conn)) {
        this.#perform(sourceFetchError(this.#s, now(), conn, e?.name === 'AbortError', ...put(messageOf(e))));
      }
      return;
    }
    if (!this.#current(conn)) return;
    // A Response, or one of another realm or library: it has headers.
    if (typeof response?.headers?.get !== 'function') {
      // Only a custom fetch can get here: a mistake in the app, said as such.
      this.#perform(sourceSetupError(this.#s, conn, ...put(NOT_RESPONSE.replace('{type}', kind(response)))));
      return;
    }
    const h = response.headers;
    const type = h.get('content-type');
    const retryAfter = h.get('retry-after');
    const [urlLength, typeLength, retryLength] = put(response.url, type ?? '', retryAfter ?? '');
    const code = sourceResponse(
      this.#s,
      now(),
      Date.now(),
      conn,
      response.status,
      response.type === 'opaqueredirect' ? 1 : 0,
      urlLength,
      type === null ? -1 : typeLength,
      retryAfter === null ? -1 : retryLength
    );
    if (code !== OPEN) {
      this.#perform(code);
      return;
    }
    this.#sink.open(originOf(text()));
    if (!this.#current(conn)) return;
    if (response.body) {
      this.#read(conn, response.body.getReader());
    } else {
      this.#perform(sourceBodyEnd(this.#s, conn));
    }
  }

  /**
   * The CORS probe (the core's PROBE action): a `no-cors` HEAD of the URL
   * whose fetch failed. An answer, even opaque, means the server is there.
   */
  async #probe(conn) {
    const controller = new AbortController();
    let answered = false;
    try {
      await fetch(this.#probeUrl, {
        method: 'HEAD',
        mode: 'no-cors',
        credentials: 'omit',
        cache: 'no-store',
        signal: controller.signal,
      });
      answered = true;
    } catch {
      // The network failed too.
    }
    controller.abort();
    if (this.#current(conn)) this.#perform(sourceProbe(this.#s, conn, answered));
  }

  async #read(conn, reader) {
    this.#conn = conn;
    for (;;) {
      let result;
      try {
        result = await reader.read();
      } catch (e) {
        if (this.#current(conn)) {
          this.#perform(sourceBodyError(this.#s, now(), conn, e?.name === 'AbortError', ...put(messageOf(e))));
        }
        return;
      }
      if (!this.#current(conn)) return;
      if (result.done) {
        this.#perform(sourceBodyEnd(this.#s, conn));
        return;
      }
      if (!isBytes(result.value)) {
        // Never a silent end: the stream is cancelled, and the source fails
        // (a supplied stream) or reconnects (a custom fetch's body).
        const detail = NOT_BYTES.replace('{type}', kind(result.value));
        reader.cancel(new TypeError(detail)).catch(() => {});
        this.#perform(sourceBodyError(this.#s, now(), conn, 0, ...put(detail)));
        return;
      }
      if (sourceBody(this.#s, now(), conn, putBytes(result.value))) {
        const wait = this.#sink.events(events());
        if (wait) {
          // Not reading while the front end waits: silence now is not
          // the server's.
          sourceSuspend(this.#s);
          await wait;
          if (!this.#s) return;
          sourceResume(this.#s, now());
        }
        if (!this.#s) return;
      }
      const code = sourceDelivered(this.#s, conn);
      if (code) {
        this.#perform(code);
        return;
      }
      if (!this.#current(conn)) return;
    }
  }
}

/** How many sources have a core right now (closed ones free theirs). */
export const liveSources = () => live.size;
