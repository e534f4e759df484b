// The demo page: one live stream through the browser's EventSource and
// through ours, an authenticated POST stream, the server power switch, the
// parser, shared connections and the page's life.
// Plain DOM code; every element it touches is marked with an id or
// data-role in index.html.
import { EventSource } from '/pkg/index.js';
import { EventStreamParser } from '/pkg/parser.js';

// The module binding above shadows the global; the global is the browser's.
const NativeEventSource = globalThis.EventSource;

const STATES = ['CONNECTING', 'OPEN', 'CLOSED'];
const RETRY = { initialDelay: 500, multiplier: 2, maxDelay: 8000, jitter: true };
// The demo endpoints send `retry: 1000`, which becomes the backoff's base.
const SERVER_RETRY = 1000;
const LOG_LINES = 60;
const TIMELINE_BARS = 9;

const clockTime = (date = new Date()) =>
  date.toLocaleTimeString([], { hour12: false }) + '.' + String(date.getMilliseconds()).padStart(3, '0');

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showState(badge, readyState) {
  const name = STATES[readyState] ?? String(readyState);
  if (badge.dataset.state !== name) {
    badge.dataset.state = name;
    badge.textContent = `${readyState} ${name}`;
  }
  return name;
}

/** One side of the clock comparison. */
function clockPane(root, { create, ours }) {
  const $ = (role) => root.querySelector(`[data-role="${role}"]`);
  const ui = {
    state: $('state'),
    count: $('count'),
    lastId: $('last-id'),
    errors: $('errors'),
    message: $('error-message'),
    willRetry: $('will-retry'),
    retryDelay: $('retry-delay'),
    countdown: $('countdown'),
    timeline: $('timeline'),
    log: $('log'),
    toggle: $('toggle'),
  };
  let es = null;
  let count = 0;
  let errors = 0;
  // An outage starts with the first error after the stream was open; its
  // attempts are drawn in the timeline until the next outage.
  let inOutage = false;
  let lastErrorAt = 0;
  let nextAttemptAt = 0;

  function log(kind, detail) {
    const li = el('li');
    li.append(el('span', 't', clockTime()), el('span', `k k-${kind}`, kind), el('span', 'd', detail));
    ui.log.prepend(li);
    while (ui.log.childElementCount > LOG_LINES) ui.log.lastElementChild.remove();
  }

  // The bars of the current outage, redrawn on a shared scale so a 100 ms
  // delay and an 8 s one are both readable.
  let bars = [];
  function bar(value, cap) {
    bars.push({ value, cap });
    if (bars.length > TIMELINE_BARS) bars.shift();
    const top = Math.max(2000, ...bars.map((b) => Math.max(b.value, b.cap ?? 0)));
    const height = (ms) => `${Math.max(2, (ms / top) * 100)}%`;
    ui.timeline.replaceChildren(
      ...bars.map(({ value, cap }) => {
        const b = el('div', 'bar');
        const stack = el('div', 'stack');
        if (cap !== undefined) {
          const c = el('i', 'cap');
          c.style.height = height(cap);
          c.title = `at most ${cap} ms`;
          stack.append(c);
        }
        const v = el('i');
        v.style.height = height(value);
        stack.append(v);
        b.append(el('span', '', String(Math.round(value))), stack);
        return b;
      })
    );
  }

  function refresh() {
    const name = showState(ui.state, es ? es.readyState : 2);
    root.dataset.state = name;
    if (ours) {
      const left = nextAttemptAt - performance.now();
      ui.countdown.textContent =
        name !== 'CONNECTING' || !nextAttemptAt ? '–' : left > 0 ? `in ${Math.ceil(left)} ms` : 'connecting…';
    }
  }

  function onOpen() {
    if (inOutage && !ours) bar(performance.now() - lastErrorAt);
    if (inOutage) ui.message.textContent += ' → reconnected';
    ui.message.classList.remove('is-error');
    inOutage = false;
    nextAttemptAt = 0;
    log('open', `connected to ${new URL(es.url).pathname}`);
    refresh();
  }

  function onMessage(e) {
    count += 1;
    ui.count.textContent = count;
    ui.lastId.textContent = e.lastEventId || '–';
    const data = parseJson(e.data);
    const detail = data ? `id ${e.lastEventId}  n=${data.n}  ${data.time}` : e.data;
    log(e.type === 'tick' ? 'tick' : 'message', detail);
  }

  function onError(e) {
    errors += 1;
    ui.errors.textContent = errors;
    const now = performance.now();
    if (!inOutage) {
      bars = [];
      ui.timeline.replaceChildren();
      inOutage = true;
    } else if (!ours) {
      bar(now - lastErrorAt);
    }
    lastErrorAt = now;
    const name = STATES[es.readyState];
    ui.message.classList.add('is-error');
    if (ours) {
      ui.message.textContent = e.message;
      ui.willRetry.textContent = String(e.willRetry);
      ui.retryDelay.textContent = e.willRetry ? `${Math.round(e.retryDelay)} ms` : '–';
      nextAttemptAt = e.willRetry ? now + e.retryDelay : 0;
      const attempt = Number(/attempt (\d+)/.exec(e.message)?.[1] ?? 1);
      const cap = Math.min(RETRY.maxDelay, SERVER_RETRY * RETRY.multiplier ** (attempt - 1));
      if (e.willRetry) bar(e.retryDelay, cap);
      log('error', e.message);
    } else {
      ui.message.textContent = `error event, readyState ${name}: no reason given`;
      log('error', `readyState ${name}`);
    }
    refresh();
  }

  function start() {
    es = create();
    es.addEventListener('open', onOpen);
    es.addEventListener('message', onMessage);
    es.addEventListener('tick', onMessage);
    es.addEventListener('error', onError);
    ui.toggle.textContent = 'Close';
    refresh();
  }

  function stop() {
    es.close();
    log('close', 'close() called: no more events, no reconnection');
    ui.toggle.textContent = 'Open';
    refresh();
    es = null;
  }

  ui.toggle.addEventListener('click', () => (es && es.readyState !== 2 ? stop() : start()));
  $('clear').addEventListener('click', () => ui.log.replaceChildren());
  setInterval(refresh, 100);
  start();
  return { readyState: () => (es ? es.readyState : 2) };
}

/** The server power switch. */
function powerSwitch() {
  const input = document.getElementById('power');
  const label = document.getElementById('power-label');
  const card = input.closest('.power');
  const show = (on) => {
    input.checked = on;
    label.textContent = on ? 'On' : 'Off';
    card.classList.toggle('off', !on);
    document.body.dataset.power = on ? 'on' : 'off';
  };
  const call = async (method, query = '') => {
    const res = await fetch(`/demo/power${query}`, { method });
    if (!res.ok) throw new Error(`/demo/power: HTTP ${res.status}`);
    return (await res.json()).on;
  };
  input.addEventListener('change', async () => {
    input.disabled = true;
    try {
      show(await call('POST', `?on=${input.checked}`));
    } catch (e) {
      label.textContent = e.message;
    } finally {
      input.disabled = false;
    }
  });
  call('GET').then(
    (on) => {
      show(on);
      input.disabled = false;
    },
    (e) => (label.textContent = e.message)
  );
}

/** The POST chat panel. */
function chat() {
  const $ = (id) => document.getElementById(id);
  const ui = {
    root: $('chat'),
    prompt: $('prompt'),
    send: $('chat-send'),
    stop: $('chat-stop'),
    state: $('chat-state'),
    reply: $('chat-reply'),
    done: $('chat-done'),
    conns: $('chat-conns'),
  };
  let es = null;
  let tokens = 0;
  let rows = [];
  let cursor = null;

  const setState = (s) => {
    ui.state.textContent = s;
    ui.state.dataset.state = s;
    ui.root.dataset.state = s;
  };

  // A fresh credential for every attempt, as a short-lived access token would be.
  let issued = 0;
  function newToken() {
    issued += 1;
    return `tok-${issued}-${Math.random().toString(36).slice(2, 8)}`;
  }

  function addRow(token) {
    for (const r of rows) if (!r.seen) r.cells.seen.textContent = 'no response';
    const tr = el('tr');
    const cells = {
      n: el('td', '', String(rows.length + 1)),
      sent: el('td', '', token),
      seen: el('td', '', '…'),
      resumed: el('td', '', '–'),
    };
    tr.append(cells.n, cells.sent, cells.seen, cells.resumed);
    ui.conns.append(tr);
    rows.push({ token, seen: null, cells, tr });
  }

  function finish(state, text) {
    es?.close();
    es = null;
    cursor?.remove();
    cursor = null;
    setState(state);
    ui.done.textContent = text;
    ui.send.disabled = false;
    ui.stop.disabled = true;
  }

  function send() {
    if (es) es.close();
    tokens = 0;
    rows = [];
    ui.conns.replaceChildren();
    ui.reply.replaceChildren();
    cursor = el('span', 'cursor');
    ui.reply.append(cursor);
    ui.done.textContent = '';
    ui.send.disabled = true;
    ui.stop.disabled = false;
    setState('connecting');
    const prompt = ui.prompt.value;

    es = new EventSource('/demo/chat', {
      method: 'POST',
      body: JSON.stringify({ prompt }),
      headers: async () => {
        const token = newToken();
        addRow(token);
        return { Authorization: 'Bearer ' + token };
      },
      retry: RETRY,
      // The reply resumes after a cut (Last-Event-ID) and ends with its own
      // `done` event, so any end of the response reconnects. (WebKitGTK's
      // fetch reports a cut chunked response as a clean end.)
      streamEnd: 'reconnect',
    });
    es.addEventListener('open', () => setState('streaming'));
    es.addEventListener('message', (e) => {
      const data = parseJson(e.data) ?? {};
      if ('auth' in data) {
        const row = rows[rows.length - 1];
        row.seen = data.auth;
        row.cells.seen.textContent = data.auth;
        row.cells.seen.className = data.auth === row.token ? 'match' : 'mismatch';
        row.cells.seen.title = data.auth === row.token ? 'the token sent on this attempt' : 'not the token sent';
        row.cells.resumed.textContent = data.resumed_after ? `token ${data.resumed_after}` : '– (fresh)';
      } else if ('token' in data) {
        tokens += 1;
        cursor.before(document.createTextNode(data.token));
      }
    });
    es.addEventListener('done', (e) => {
      const n = parseJson(e.data)?.tokens ?? tokens;
      const via = rows.length === 1 ? '1 connection' : `${rows.length} connections`;
      finish('done', `event: done · ${n} tokens over ${via}; closed by the page.`);
    });
    es.addEventListener('error', (e) => {
      if (e.willRetry) {
        setState('reconnecting');
        ui.done.textContent = e.message;
      } else {
        finish('failed', e.message);
      }
    });
  }

  ui.send.addEventListener('click', send);
  ui.stop.addEventListener('click', () => finish('stopped', 'close() called.'));
  ui.send.disabled = false;
}

/**
 * The parser panel: the page fetches the answer itself (POST, its own
 * Authorization header, no reconnection) and reads the body through
 * EventStreamParser in a for await loop, as with an LLM API.
 */
function parserPanel() {
  const $ = (id) => document.getElementById(id);
  const ui = { ask: $('parse-ask'), prompt: $('parse-prompt'), reply: $('parse-reply'), events: $('parse-events'), root: $('parse') };
  ui.ask.addEventListener('click', async () => {
    ui.ask.disabled = true;
    ui.reply.textContent = '';
    ui.root.dataset.state = 'streaming';
    let count = 0;
    try {
      const response = await fetch('/demo/chat', {
        method: 'POST',
        headers: { Authorization: 'Bearer parser-demo', 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: ui.prompt.value }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      // A reader rather than for await: not every engine makes streams
      // async-iterable yet (WebKitGTK 2.50 does not).
      const events = response.body.pipeThrough(new EventStreamParser()).getReader();
      for (;;) {
        const { done, value: event } = await events.read();
        if (done) break;
        count += 1;
        ui.events.textContent = String(count);
        if (event.type === 'done') {
          await events.cancel();
          break;
        }
        const data = parseJson(event.data);
        if (data && typeof data.token === 'string') ui.reply.textContent += data.token;
      }
      ui.root.dataset.state = 'done';
    } catch (e) {
      ui.reply.textContent += ` [${e.message}]`;
      ui.root.dataset.state = 'failed';
    } finally {
      ui.ask.disabled = false;
    }
  });
  ui.ask.disabled = false;
}

/**
 * The shared panel: frames (tabs of their own) on one shared stream, the
 * connections the server sees, and closing the oldest frame (the holder on
 * the fallback path). The stream is the test server's resumable counter,
 * scripted here.
 */
async function sharedPanel() {
  const $ = (id) => document.getElementById(id);
  const ui = { add: $('shared-add'), close: $('shared-close'), fallback: $('shared-fallback'), conns: $('shared-conns'), frames: $('shared-frames') };
  const reset = async () => {
    for (const f of [...ui.frames.children]) f.remove();
    await fetch('/_script/demo-shared', {
      method: 'POST',
      body: JSON.stringify({ responses: [{ body: [{ count: { interval: 250 } }], end: 'stall' }] }),
    });
  };
  await reset();
  ui.add.addEventListener('click', () => {
    const frame = el('iframe', 'card');
    frame.src = `/shared-frame.html${ui.fallback.checked ? '?fallback' : ''}`;
    frame.style.cssText = 'width: 100%; height: 8.5em; border: 1px solid var(--line);';
    ui.frames.append(frame);
  });
  ui.close.addEventListener('click', () => ui.frames.firstElementChild?.remove());
  ui.fallback.addEventListener('change', reset);
  setInterval(async () => {
    const [reqs, closed] = await Promise.all([
      fetch('/_requests/demo-shared?kind=attempts').then((r) => r.json()),
      fetch('/_closed/demo-shared').then((r) => r.json()),
    ]);
    ui.conns.textContent = String(reqs.length - closed);
  }, 500);
  ui.add.disabled = false;
  ui.close.disabled = false;
}

/**
 * The page's life panel: logs what the page hears (leaving, the
 * back/forward cache, freezing, the network) with both clock panes' state,
 * and how soon each pane has a new event after the page comes back.
 */
function lifePanel(panes) {
  const $ = (id) => document.getElementById(id);
  const list = $('life-log');
  const pane = (id) => ({
    state: STATES[panes[id].readyState()] ?? 'CLOSED',
    id: document.querySelector(`#${id} [data-role="last-id"]`).textContent,
  });
  const both = () => {
    const n = pane('native');
    const o = pane('ours');
    return `native: ${n.state}, last id ${n.id} · ours: ${o.state}, last id ${o.id}`;
  };
  const log = (kind, detail) => {
    const li = el('li');
    li.append(el('span', 't', clockTime()), el('span', `k k-${kind}`, kind), el('span', 'd', detail));
    list.prepend(li);
    while (list.childElementCount > LOG_LINES) list.lastElementChild.remove();
  };
  // After a return, how long until each pane shows a new event.
  const watchReturn = () => {
    const start = performance.now();
    const before = { native: pane('native').id, ours: pane('ours').id };
    const pending = new Set(['native', 'ours']);
    const timer = setInterval(() => {
      for (const who of [...pending]) {
        const now = pane(who).id;
        if (now !== before[who]) {
          pending.delete(who);
          log('back', `${who}: events again after ${Math.round(performance.now() - start)} ms (last id now ${now})`);
        }
      }
      if (!pending.size || performance.now() - start > 15000) clearInterval(timer);
    }, 20);
  };
  addEventListener('beforeunload', () => log('leave', `beforeunload · ${both()}`));
  addEventListener('pagehide', (e) => log('leave', `pagehide, persisted: ${e.persisted} · ${both()}`));
  addEventListener('pageshow', (e) => {
    if (!e.persisted) return;
    log('back', `pageshow, restored from the back/forward cache · ${both()}`);
    watchReturn();
  });
  document.addEventListener('freeze', () => log('leave', `freeze · ${both()}`));
  document.addEventListener('resume', () => log('back', `resume · ${both()}`));
  addEventListener('offline', () => log('offline', `offline · ${both()}`));
  addEventListener('online', () => log('online', `online · ${both()}`));
  $('life-leave').addEventListener('click', () => (location.href = '/away.html'));
  // The browser fires these when the network goes and comes back.
  $('life-offline').addEventListener('click', () => dispatchEvent(new Event('offline')));
  $('life-online').addEventListener('click', () => dispatchEvent(new Event('online')));
}

const panes = {
  native: clockPane(document.getElementById('native'), {
    ours: false,
    create: () => new NativeEventSource('/demo/clock'),
  }),
  ours: clockPane(document.getElementById('ours'), {
    ours: true,
    create: () => new EventSource('/demo/clock', { retry: RETRY }),
  }),
};
powerSwitch();
chat();
parserPanel();
sharedPanel();
lifePanel(panes);
document.body.dataset.demo = 'ready';
