// Option checks of the EventSource class and EventStreamParser, over the
// table generated from src/rules.json (ranges, defaults and the words of
// each error live there, and the Rust API reads the same table). Pure code:
// tests/js/ runs it under Node with no WebAssembly and no browser.
import {
  OPTIONS,
  CREDENTIALS,
  STREAM_ENDS,
  REDIRECTS,
  METHOD_CHARACTERS,
  FORBIDDEN_METHODS,
  METHODS_WITHOUT_BODY,
  SPECIAL_SCHEMES,
  FORBIDDEN_HOST_CODE_POINTS,
} from './rules-table.js';

export { OPTIONS };

/** The TypeError for a bad option `name` of `ctor`'s init, naming it. */
export function optionError(ctor, name, expected = OPTIONS[name].e) {
  return new TypeError(`Failed to construct '${ctor}': option '${name}' must be ${expected}.`);
}

/** `v` if it is a number the rule of option `name` allows, undefined if absent; else throws. */
export function checkNumber(ctor, name, v) {
  if (v === undefined) return v;
  const rule = OPTIONS[name];
  if (typeof v !== 'number' || !(v >= rule.min && v <= rule.max) || (rule.i && !Number.isInteger(v) && v !== Infinity)) {
    throw optionError(ctor, name);
  }
  return v;
}

/** Whether `method` is a token (RFC 9110 § 5.6.2) fetch allows. */
function isMethod(method) {
  return (
    method !== '' &&
    [...method].every((c) => /[0-9A-Za-z]/.test(c) || METHOD_CHARACTERS.includes(c)) &&
    !FORBIDDEN_METHODS.includes(method.toUpperCase())
  );
}

/**
 * Whether `url` (a URL object) is valid under the URL standard: the host
 * of a special-scheme URL, percent-decoded, has no forbidden code point.
 * Chromium's parser lets some through, percent-encoded; the standard (and
 * Firefox) reject the URL.
 */
export function validUrl(url) {
  if (!SPECIAL_SCHEMES.includes(url.protocol.slice(0, -1))) return true;
  const host = url.hostname;
  if (host.startsWith('[')) return true;
  try {
    return ![...decodeURIComponent(host)].some((c) => FORBIDDEN_HOST_CODE_POINTS.includes(c));
  } catch {
    return false;
  }
}

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

/**
 * Validates an EventSource init dictionary, reading each member once, and
 * returns `{ withCredentials, signal, shared, options, sharedHeaders }`:
 * `options` holds every option as the user gave it, or undefined (the core
 * applies the defaults), and `withoutBody` (the method cannot carry a body).
 * Throws a TypeError naming the option.
 */
export function normalize(init) {
  const ctor = 'EventSource';
  const fail = (name, expected) => optionError(ctor, name, expected);
  if (init === undefined || init === null) init = {};
  if (typeof init !== 'object' && typeof init !== 'function') {
    throw new TypeError(`Failed to construct '${ctor}': The provided value is not of type 'EventSourceInit'.`);
  }
  const withCredentials = Boolean(init.withCredentials);

  const method = init.method;
  if (method !== undefined && (typeof method !== 'string' || !isMethod(method))) throw fail('method');

  const headers = init.headers;
  // Fixed headers, checked (and as a list: what another tab gets with `shared`).
  let headerList;
  if (headers !== undefined && typeof headers !== 'function') {
    if (headers === null || typeof headers !== 'object') throw fail('headers');
    try {
      headerList = [...new Headers(headers)];
    } catch (e) {
      throw fail('headers', `valid request headers (${e.message})`);
    }
  }

  const withoutBody = METHODS_WITHOUT_BODY.includes((method ?? OPTIONS.method.d).toUpperCase());
  let body = init.body;
  if (body === null) body = undefined;
  if (body !== undefined) {
    if (typeof body !== 'function' && !isBody(body)) throw fail('body');
    if (withoutBody) throw fail('body', OPTIONS.body.noBody);
  }

  const credentials = init.credentials;
  if (credentials !== undefined && !CREDENTIALS.includes(credentials)) throw fail('credentials');

  const lastEventId = init.lastEventId;
  if (lastEventId !== undefined && (typeof lastEventId !== 'string' || /[\0\r\n]/.test(lastEventId))) {
    throw fail('lastEventId');
  }

  const idParam = init.lastEventIdQueryParam;
  if (idParam !== undefined && (typeof idParam !== 'string' || idParam === '')) throw fail('lastEventIdQueryParam');

  const retry = init.retry;
  if (retry !== undefined && (retry === null || typeof retry !== 'object')) throw fail('retry');
  const r = retry || {};
  const number = (name, v) => checkNumber(ctor, name, v);
  const jitter = typeof r.jitter === 'boolean' ? +r.jitter : number('retry.jitter', r.jitter);

  let retryOnStatus = init.retryOnStatus;
  if (retryOnStatus !== undefined) {
    if (retryOnStatus === null || typeof retryOnStatus[Symbol.iterator] !== 'function') throw fail('retryOnStatus');
    retryOnStatus = Array.from(retryOnStatus);
    for (const s of retryOnStatus) number('retryOnStatus', s);
  }

  // What a clean end does and whether redirects are refused: when not
  // given, the core picks by the method and the headers.
  const streamEnd = init.streamEnd;
  if (streamEnd !== undefined && !STREAM_ENDS.includes(streamEnd)) throw fail('streamEnd');
  const redirect = init.redirect;
  if (redirect !== undefined && !REDIRECTS.includes(redirect)) throw fail('redirect');

  const signal = init.signal;
  if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) throw fail('signal');

  const fetchFn = init.fetch;
  if (fetchFn !== undefined && typeof fetchFn !== 'function') throw fail('fetch');

  // `shared`: one connection for every tab, frame and worker asking for the
  // same stream with the same options. Other contexts cannot call this
  // context's functions, so per-attempt functions and a custom fetch are
  // refused, and the request must be copyable: fixed headers, a text body.
  let shared = init.shared;
  if (shared === undefined || shared === false) shared = undefined;
  else if (shared === true) shared = '';
  else if (typeof shared !== 'string' || shared === '') throw fail('shared');
  if (shared !== undefined) {
    const perAttempt = (name) =>
      fail(name, `fixed with 'shared' (other tabs cannot call this tab's functions); leave 'shared' off to recompute it per attempt`);
    if (typeof headers === 'function') throw perAttempt('headers');
    if (typeof body === 'function') throw perAttempt('body');
    if (fetchFn !== undefined) throw fail('fetch', "absent with 'shared' (other tabs cannot call this tab's fetch)");
    if (body !== undefined && typeof body !== 'string') {
      throw fail('body', "a string with 'shared' (it is copied to the tab or worker that holds the connection)");
    }
  }

  return {
    withCredentials,
    signal: signal || undefined,
    shared,
    sharedHeaders: headerList,
    options: {
      method: method ?? OPTIONS.method.d,
      headers,
      body,
      withCredentials,
      credentials,
      lastEventId,
      lastEventIdQueryParam: idParam,
      initialDelay: number('retry.initialDelay', r.initialDelay),
      maxDelay: number('retry.maxDelay', r.maxDelay),
      multiplier: number('retry.multiplier', r.multiplier),
      jitter,
      maxAttempts: number('retry.maxAttempts', r.maxAttempts),
      retryOnStatus,
      inactivityTimeout: number('inactivityTimeout', init.inactivityTimeout),
      maxBufferSize: number('maxBufferSize', init.maxBufferSize),
      streamEnd,
      redirect,
      withoutBody,
      fetch: fetchFn,
    },
  };
}
