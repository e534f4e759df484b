// The JavaScript driver: the I/O of one source (fetch, the body's reader
// loop, the timer, aborts, the CORS probe, window.stop()), carried out as
// the core decides. It reports every input to the core (src/module.rs)
// and does what the returned action says; it decides nothing about the
// protocol itself. What it is told goes to a `sink`:
//   open(origin)       the ready state is OPEN
//   events(parts)      the events of one chunk (core.js `events()`); a
//                      returned promise stops reading until it settles
//   error(details)     fire `error` (details.willRetry: CONNECTING, else CLOSED)
import { core, put, putBytes, text, events, errorDetails, regs, FETCH, OPEN, PROBE, RETRY, FAIL, TIMER } from './core.js';
import { CREDENTIALS } from './rules-table.js';

const now = () => performance.now();
const messageOf = (e) => String(e?.message ?? e);
/** fetch's own request members: the standard's (HTML § 9.2.2, "the EventSource(url, eventSourceInitDict) constructor"). */
const STANDARD_REQUEST = { mode: 'cors', cache: 'no-store', redirect: 'follow' };
const perAttempt = (v) => (typeof v === 'function' ? v() : v);
/** The origin of the URL the core's OPEN names, serialized by the platform's URL parser. */
const originOf = (url) => new URL(url).origin;

/** Every driver with a source, for window.stop(). */
const live = new Set();
let stopHooked = false;

// [spec] window.stop() aborts the document's fetches, and a native
// EventSource with a fetch in flight is closed with an `error` event. A
// fetch stopped that way rejects (or errors its body) like a network
// failure, which would make ours reconnect: so the first source in a window
// wraps `window.stop` to tell every source's core first, then stop.
function hookWindowStop() {
  stopHooked = true;
  const original = globalThis.document && globalThis.stop;
  if (typeof original !== 'function') return;
  globalThis.stop = function stop() {
    for (const d of [...live]) d.stop();
    return original.call(this);
  };
}

export class Driver {
  #x = core.x;
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
    const x = this.#x;
    this.#url = url;
    this.#options = options;
    this.#sink = sink;
    const o = options;
    const param = o.lastEventIdQueryParam;
    const [idLength, paramLength] = put(o.lastEventId ?? '', param ?? '');
    const n = (v) => (v === undefined ? NaN : +v);
    this.#s = x.source_new(
      n(o.initialDelay),
      n(o.multiplier),
      n(o.maxDelay),
      n(o.jitter),
      n(o.maxAttempts),
      n(o.inactivityTimeout),
      n(o.maxBufferSize),
      CREDENTIALS.indexOf(o.credentials) + 1,
      (o.withCredentials ? 1 : 0) | (o.fetch ? 2 : 0) | (param !== undefined ? 4 : 0),
      idLength,
      paramLength
    );
    for (const status of o.retryOnStatus ?? []) x.source_retry_on(this.#s, status);
    live.add(this);
    if (!stopHooked) hookWindowStop();
    queueMicrotask(() => {
      if (!this.#s) return;
      if (reader) {
        this.#reader = reader;
        if (x.source_connect_stream(this.#s, now()) === OPEN) {
          this.#sink.open(originOf(text()));
          this.#read(1, reader);
        }
      } else {
        this.#perform(x.source_connect(this.#s, now(), ...put(url)));
      }
    });
  }

  get readyState() {
    return this.#s ? this.#x.source_ready_state(this.#s) : 2;
  }

  get lastEventId() {
    if (!this.#s) return this.#closed.lastEventId;
    this.#x.source_last_event_id(this.#s);
    return text();
  }

  get reconnectionTime() {
    return this.#s ? this.#x.source_reconnection_time(this.#s) : this.#closed.reconnectionTime;
  }

  /** reset(): discard buffered, incomplete input. */
  reset() {
    if (this.#s) this.#x.source_reset(this.#s);
  }

  /** window.stop(). */
  stop() {
    if (this.#s) this.#perform(this.#x.source_stop(this.#s));
  }

  /**
   * close(): abort the fetch (or cancel the supplied stream), cancel the
   * timer, free the core. Fires nothing. Idempotent.
   */
  close() {
    if (!this.#s) return;
    this.#closed = { lastEventId: this.lastEventId, reconnectionTime: this.reconnectionTime };
    this.#x.source_close(this.#s);
    this.#x.source_free(this.#s);
    this.#s = null;
    live.delete(this);
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
      if (this.#s) this.#perform(this.#x.source_timer(this.#s, now()));
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
        this.#fetch(conn, flags & 1 ? header : null, flags & 2 ? [name, value] : null, credentials);
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
    }
  }

  /** Whether `conn` is still this source's connection. */
  #current(conn) {
    return this.#s !== null && this.#conn === conn;
  }

  async #fetch(conn, lastEventId, query, credentials) {
    this.#conn = conn;
    const controller = new AbortController();
    this.#abort = controller;
    const o = this.#options;
    const x = this.#x;
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
    } catch (e) {
      if (this.#current(conn)) this.#perform(x.source_setup_error(this.#s, conn, ...put(messageOf(e))));
      return;
    }
    if (!this.#current(conn)) return;
    this.#probeUrl = url;
    let response;
    try {
      response = await (o.fetch ? o.fetch(url, init) : fetch(url, init));
    } catch (e) {
      if (this.#current(conn)) {
        this.#perform(x.source_fetch_error(this.#s, conn, e?.name === 'AbortError', ...put(messageOf(e))));
      }
      return;
    }
    if (!this.#current(conn)) return;
    const h = response.headers;
    const type = h.get('content-type');
    const retryAfter = h.get('retry-after');
    const [urlLength, typeLength, retryLength] = put(response.url, type ?? '', retryAfter ?? '');
    const code = x.source_response(
      this.#s,
      now(),
      Date.now(),
      conn,
      response.status,
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
      this.#perform(x.source_body_end(this.#s, conn));
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
    if (this.#current(conn)) this.#perform(this.#x.source_probe(this.#s, conn, answered));
  }

  async #read(conn, reader) {
    const x = this.#x;
    this.#conn = conn;
    for (;;) {
      let result;
      try {
        result = await reader.read();
      } catch (e) {
        if (this.#current(conn)) {
          this.#perform(x.source_body_error(this.#s, conn, e?.name === 'AbortError', ...put(messageOf(e))));
        }
        return;
      }
      if (!this.#current(conn)) return;
      if (result.done) {
        this.#perform(x.source_body_end(this.#s, conn));
        return;
      }
      if (x.source_body(this.#s, now(), conn, putBytes(result.value))) {
        const wait = this.#sink.events(events());
        if (wait) {
          // Not reading while the front end waits: silence now is not
          // the server's.
          x.source_suspend(this.#s);
          await wait;
          if (!this.#s) return;
          x.source_resume(this.#s, now());
        }
        if (!this.#s) return;
      }
      const code = x.source_delivered(this.#s, conn);
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
