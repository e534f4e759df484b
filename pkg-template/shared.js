// `shared`: one connection for every tab, frame and worker of an origin
// that opens the same stream with the same options.
//
// Everyone taking part talks over one BroadcastChannel per stream, named
// after its key, and the Web Locks API decides who holds the connection:
// the holder of the lock `wasm-eventsource-holder:<key>` runs the engine and
// relays what it reports (open, the events of each chunk, errors); every
// view (an EventSource object made with `shared`) listens and dispatches
// them as its own.
//
// Where SharedWorker exists, a page starts one per origin and asks it to
// hold the stream, so the connection lives outside any tab; once it does,
// the views queue for the lock behind it, in case the worker dies first.
// Where it does not (Chromium on Android; dedicated workers), views ask for
// the lock at once. When the holder goes away the lock passes to the next
// view, which reconnects with the last event id every view has seen (so a
// server that honours Last-Event-ID resends nothing twice and nothing is
// lost).
//
// Each view holds the lock `wasm-eventsource-view:<key>:<id>` while it
// lives; the holder learns that a view is gone (closed, or its tab closed)
// when it is granted that lock, and closes the connection when no view is
// left.

//
// This module is loaded only when a shared source is made; what it needs of
// the rest (`{ Driver, core, setupFailure }`) is handed to it as `deps`, so
// that it stays a chunk of its own.

const PREFIX = 'wasm-eventsource';
/** How long a new holder waits for events still in flight from the last one before it connects. */
const HANDOVER_GRACE_MS = 50;
/** How long a view in a page with SharedWorker waits for a holder before asking for the lock itself. */
const WORKER_PATIENCE_MS = 2000;

const newId = () =>
  typeof crypto === 'object' && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;

/** Resolves once the lock `name` is held; `release()` lets it go. */
function holdLock(name) {
  let release;
  const released = new Promise((r) => {
    release = r;
  });
  const granted = new Promise((resolve) => {
    navigator.locks.request(name, () => {
      resolve();
      return released;
    });
  });
  return { granted, release };
}

/**
 * Holds the stream `key` once granted the holder lock, until no view is
 * left: runs the driver, relays it, tracks the views. `tracked` carries the
 * last event id and reconnection time seen so far (a view that becomes the
 * holder knows them); `ended` is called once it has held the stream and let
 * it go. Returns `{ cancel, release }`: `cancel()` stops waiting for the
 * lock; `release()` also lets the stream go if this context holds it (it is
 * going into the back/forward cache: a view elsewhere takes over).
 */
export function hold(deps, { key, url, options }, tracked, ended = () => {}) {
  const { Driver, core, setupFailure } = deps;
  const abort = new AbortController();
  let release = () => {};
  navigator.locks
    .request(`${PREFIX}-holder:${key}`, { signal: abort.signal }, async () => {
      const channel = new BroadcastChannel(`${PREFIX}:${key}`);
      const views = new Set();
      let engine = null;
      let open = false;
      let origin = '';
      let failed = false;
      let done;
      const finished = new Promise((r) => {
        done = r;
      });
      const post = (message) => channel.postMessage(message);
      const state = (to) =>
        post({ t: 'state', to, open, origin, lastEventId: tracked.lastEventId ?? '', reconnectionTime: tracked.reconnectionTime });
      const finish = () => {
        release = () => {};
        if (engine) {
          engine.close();
          engine = null;
        }
        channel.close();
        done();
        ended();
      };
      release = finish;
      const watch = (view) => {
        if (views.has(view)) return;
        views.add(view);
        // Granted when the view closes or its context goes away.
        navigator.locks.request(`${PREFIX}-view:${key}:${view}`, () => {
          views.delete(view);
          if (!views.size) finish();
        });
      };
      channel.onmessage = ({ data }) => {
        if (data.t === 'hello') {
          watch(data.v);
          state(data.v);
        } else if (data.t === 'here') {
          watch(data.v);
        }
      };
      // A new holder: every view says it is here (and the last holder's
      // events still in flight arrive) before it connects.
      post({ t: 'holder' });
      await new Promise((r) => setTimeout(r, HANDOVER_GRACE_MS));
      if (!views.size) {
        finish();
        return finished;
      }
      await core.ready.catch(() => {});
      if (!core.x) {
        post({ t: 'error', details: setupFailure() });
        finish();
        return finished;
      }
      const sink = {
        open: (o) => {
          open = true;
          origin = o;
          post({ t: 'open', origin: o });
        },
        events: (parts) => {
          tracked.lastEventId = engine?.lastEventId ?? tracked.lastEventId;
          tracked.reconnectionTime = engine?.reconnectionTime;
          post({ t: 'events', parts, lastEventId: tracked.lastEventId, reconnectionTime: tracked.reconnectionTime });
          return undefined;
        },
        error: (details) => {
          open = false;
          if (!details.willRetry) failed = true;
          post({ t: 'error', details });
          if (failed) finish();
        },
      };
      const resume = tracked.lastEventId !== undefined ? { ...options, lastEventId: tracked.lastEventId } : options;
      engine = new Driver(url, resume, sink);
      return finished;
    })
    .catch(() => {});
  const cancel = () => abort.abort();
  return {
    cancel,
    release() {
      cancel();
      release();
    },
  };
}

/**
 * Joins the shared stream as a view: `sink` gets open, events and errors
 * as from an engine of its own. Returns what the EventSource class keeps as
 * its connection: `close()` (leave), `readyState`, `lastEventId`, `reconnectionTime`.
 */
export function join(deps, spec, sink, startWorker) {
  const id = newId();
  const { key } = spec;
  const channel = new BroadcastChannel(`${PREFIX}:${key}`);
  const view = holdLock(`${PREFIX}-view:${key}:${id}`);
  const tracked = { lastEventId: spec.options.lastEventId, reconnectionTime: spec.options.initialDelay };
  let open = false;
  let left = false;
  let readyState = 0;
  let holding = null;
  let patience = null;
  const heard = () => {
    if (patience) {
      clearTimeout(patience);
      patience = null;
    }
  };
  const becomeCandidate = () => {
    if (!left && !holding) holding = hold(deps, spec, tracked);
  };
  // Someone holds the stream. Where the shared worker holds it, this view
  // now queues for the lock behind it, so that should the worker die with
  // tabs still open (WebKitGTK 2.50 ends it when some tab closes)
  // the stream carries on here, resumed from the last event id.
  const holderHeard = () => {
    heard();
    if (startWorker) becomeCandidate();
  };
  channel.onmessage = ({ data }) => {
    if (left) return;
    switch (data.t) {
      case 'holder':
        holderHeard();
        channel.postMessage({ t: 'here', v: id });
        break;
      case 'state':
        if (data.to !== id) break;
        holderHeard();
        tracked.lastEventId = data.lastEventId;
        if (data.reconnectionTime !== undefined) tracked.reconnectionTime = data.reconnectionTime;
        if (data.open && !open) {
          open = true;
          readyState = 1;
          sink.open(data.origin);
        }
        break;
      case 'open':
        holderHeard();
        // A hand-over to a new holder is seamless: an OPEN view stays open.
        if (!open) {
          open = true;
          readyState = 1;
          sink.open(data.origin);
        }
        break;
      case 'events':
        tracked.lastEventId = data.lastEventId;
        if (data.reconnectionTime !== undefined) tracked.reconnectionTime = data.reconnectionTime;
        // [spec] Messages come after `open`: a view that joined an open
        // stream starts with the holder's answer to its hello.
        if (open) sink.events(data.parts);
        break;
      case 'error':
        heard();
        open = false;
        readyState = data.details.willRetry ? 0 : 2;
        sink.error(data.details);
        break;
    }
  };
  view.granted.then(() => {
    if (left) return;
    channel.postMessage({ t: 'hello', v: id });
    if (startWorker) {
      // The page's shared worker holds the stream; should it not answer,
      // this view becomes a candidate itself.
      startWorker().port.postMessage({ t: 'hold', spec });
      patience = setTimeout(becomeCandidate, WORKER_PATIENCE_MS);
    } else {
      becomeCandidate();
    }
  });
  return {
    /**
     * Leaves the stream. `everything`: this context is going into the
     * back/forward cache, so it lets the connection go too if it holds it
     * (a view elsewhere takes over); otherwise it keeps holding it for the
     * other views while it lives.
     */
    close(everything = false) {
      left = true;
      readyState = 2;
      heard();
      if (everything) holding?.release();
      else holding?.cancel();
      channel.close();
      view.release();
    },
    get readyState() {
      return readyState;
    },
    get lastEventId() {
      return tracked.lastEventId ?? '';
    },
    get reconnectionTime() {
      return tracked.reconnectionTime;
    },
  };
}

/**
 * The shared worker's side (pkg's shared-worker.js, or the script-tag file
 * started as one): hold every stream a page asks for, as a candidate that
 * outlives the pages' tabs. Streams are keyed, so asking twice is once.
 */
export function serve(deps) {
  const held = new Set();
  globalThis.onconnect = (e) => {
    const port = e.ports[0];
    port.onmessage = ({ data }) => {
      if (data?.t !== 'hold' || held.has(data.spec.key)) return;
      const { key } = data.spec;
      const tracked = { lastEventId: data.spec.options.lastEventId, reconnectionTime: undefined };
      // Follow the stream meanwhile, so a late hold resumes where views are.
      const channel = new BroadcastChannel(`${PREFIX}:${key}`);
      channel.onmessage = ({ data: m }) => {
        if (m.t === 'events') tracked.lastEventId = m.lastEventId;
      };
      held.add(key);
      // Once the stream is let go (no view left, or it failed), a later
      // page may ask for it again.
      hold(deps, data.spec, tracked, () => {
        held.delete(key);
        channel.close();
      });
    };
  };
}
