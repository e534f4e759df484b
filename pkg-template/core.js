// The protocol core: the WebAssembly module (src/module.rs) and the few
// helpers that move bytes and text across its boundary. Every decision
// about the protocol is the module's; this file only copies.
//
// Bytes go in through the module's input buffer; numbers come out in ten
// f64 registers, text as UTF-8 at the address in register 8 (length in 9).
import { SENTENCES, SENTENCE_REASONS, DETAIL, RETRYING, GAVE_UP } from './rules-table.js';

/** The module once instantiated: `{ x: exports, error, ready }`. */
export const core = { x: null, error: null, ready: null };

// The module's exports, by the names src/module.rs gives them (one letter
// each, as a minifier would): see each export's doc comment there.
export let sourceNew, sourceFree, sourceRetryOn, sourceConnect, sourceConnectStream, sourceResponse;
export let sourceBody, sourceDelivered, sourceBodyEnd, sourceFetchError, sourceProbe, sourceBodyError;
export let sourceSetupError, sourcePage, sourceSuspend, sourceResume, sourceTimer, sourceClose;
export let sourceReset, sourceReadyState, sourceReconnectionTime, sourceLastEventId;
export let parserNew, parserFree, parserFeed;

const encoder = new TextEncoder();
// ignoreBOM: a BOM inside a value is data (the stream's leading BOM is the
// parser's to drop).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
let x;
let bytes;
/** The registers (a Float64Array over the module's memory). */
export let regs;
let regsAt;

/** Views over the module's memory, made anew once it has grown. */
function fresh() {
  if (bytes.buffer !== x.memory.buffer) {
    bytes = new Uint8Array(x.memory.buffer);
    regs = new Float64Array(x.memory.buffer, regsAt, 10);
  }
}

/**
 * Starts the module. `instantiate(imports)` returns its instance (or a
 * promise of it). `core.ready` resolves once it is usable and rejects with
 * the failure otherwise; the classes handle that failure themselves (every
 * source fails with an error event), so an unawaited `ready` is never an
 * unhandled rejection.
 */
export function start(instantiate) {
  const use = (instance) => {
    x = core.x = instance.exports;
    ({
      n: sourceNew,
      f: sourceFree,
      s: sourceRetryOn,
      c: sourceConnect,
      C: sourceConnectStream,
      R: sourceResponse,
      b: sourceBody,
      d: sourceDelivered,
      e: sourceBodyEnd,
      F: sourceFetchError,
      P: sourceProbe,
      E: sourceBodyError,
      S: sourceSetupError,
      t: sourcePage,
      u: sourceSuspend,
      U: sourceResume,
      T: sourceTimer,
      x: sourceClose,
      X: sourceReset,
      y: sourceReadyState,
      Y: sourceReconnectionTime,
      l: sourceLastEventId,
      N: parserNew,
      G: parserFree,
      B: parserFeed,
    } = x);
    regsAt = x.r();
    bytes = new Uint8Array(0);
    fresh();
    const origin = globalThis.location?.origin;
    const ua = globalThis.navigator?.userAgent ?? '';
    const [uaLength, originLength] = put(ua, origin ?? '');
    // platform(): where the module runs.
    x.p(uaLength, origin === undefined ? -1 : originLength);
  };
  const imports = { env: { random: Math.random } };
  try {
    const instance = instantiate(imports);
    if (instance instanceof WebAssembly.Instance) {
      use(instance);
      core.ready = Promise.resolve();
    } else {
      core.ready = Promise.resolve(instance).then(use);
    }
  } catch (error) {
    core.ready = Promise.reject(error);
  }
  core.ready = core.ready.catch((error) => {
    core.error = error;
    throw error;
  });
  core.ready.catch(() => {});
  return core.ready;
}

/** `WebAssembly.instantiate` of `source` (bytes, or a Response), resolving to the instance. */
export async function instantiate(source, imports) {
  source = await source;
  if (source instanceof Response) {
    if (WebAssembly.instantiateStreaming) {
      try {
        return (await WebAssembly.instantiateStreaming(source.clone(), imports)).instance;
      } catch {
        // A server that sends the wrong MIME type: compile from the bytes.
      }
    }
    source = await source.arrayBuffer();
  }
  return (await WebAssembly.instantiate(source, imports)).instance;
}

/**
 * Writes `parts` (strings, as UTF-8, or Uint8Arrays) one after another
 * into the input buffer; returns their lengths in bytes.
 */
export function put(...parts) {
  const encoded = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p));
  let total = 0;
  for (const e of encoded) total += e.length;
  let at = x.i(total);
  fresh();
  for (const e of encoded) {
    bytes.set(e, at);
    at += e.length;
  }
  return encoded.map((e) => e.length);
}

/** Copies one body chunk into the input buffer; returns its length. */
export function putBytes(chunk) {
  const at = x.i(chunk.length);
  fresh();
  bytes.set(chunk, at);
  return chunk.length;
}

/** The text the last call put out. */
export function text() {
  fresh();
  return decoder.decode(bytes.subarray(regs[8], regs[8] + regs[9]));
}

/**
 * The events the last call packed (`data\rtype\rid\r` each), as one array
 * of parts: event i is `[parts[3i + 1], parts[3i], parts[3i + 2]]` (type,
 * data, id). The one place the packed batch is decoded.
 */
export const events = () => text().split('\r');

/** `words` with each `{name}` replaced by `values[name]` ('?' when it has none). */
const fill = (words, values) => words.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? '?');

/**
 * The message of sentence `index` (src/rules.json) with `values`; the
 * words follow the rules of `ErrorEvent::new` in src/error.rs.
 */
export function sentence(index, values) {
  const words = SENTENCES[index];
  let message = fill(words, values);
  if (values.detail && !words.includes('{detail}')) message += fill(DETAIL, values);
  if (values.willRetry) message += fill(RETRYING, values);
  else if (values.gaveUp) message += fill(GAVE_UP, values);
  return message;
}

/**
 * The error event details of the last RETRY or FAIL action:
 * `{ reason, status, willRetry, retryDelay, attempt, gaveUp, message }`
 * (`status` only when there was a response, `retryDelay` only when it
 * will retry).
 */
export function errorDetails() {
  const detail = text();
  const details = { reason: SENTENCE_REASONS[regs[4]] };
  if (regs[0] === regs[0]) details.status = regs[0];
  details.willRetry = regs[1] === regs[1];
  if (details.willRetry) details.retryDelay = regs[1];
  details.attempt = regs[2];
  details.gaveUp = regs[3] === 1;
  details.message = sentence(regs[4], {
    ...details,
    detail,
    maxBufferSize: regs[5],
    inactivityTimeout: regs[6],
  });
  return details;
}

/** The error details every source gets when the module could not load. */
export function setupFailure() {
  return {
    reason: 'setup',
    willRetry: false,
    attempt: 0,
    gaveUp: false,
    message: `wasm-eventsource could not load its WebAssembly module: ${core.error}`,
  };
}

/** Action codes (src/module.rs). */
export const FETCH = 1;
export const OPEN = 2;
export const PROBE = 3;
export const RETRY = 4;
export const FAIL = 5;
export const TIMER = 6;
export const ABORT = 7;

/** Page events (src/reconnect.rs `PageEvent::ALL`, in that order). */
export const STOP = 0;
export const LEAVING = 1;
export const FREEZE = 2;
export const THAW = 3;
export const OFFLINE = 4;
export const ONLINE = 5;
