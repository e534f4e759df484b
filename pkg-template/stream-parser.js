// EventStreamParser: a TransformStream from bytes to events, on the same
// wasm parser as EventSource, for streams the page fetched itself:
//   response.body.pipeThrough(new EventStreamParser())
// Each event is `{ type, data, lastEventId }`; `retry:` values go to the
// `onRetry` option. The rules are the source's: a leading BOM, CR, LF and
// CRLF at any chunk split, `id` values with NUL ignored, an unfinished
// event at the end discarded, and `maxBufferSize` (the stream errors when
// an event would exceed it).

// Events may wait on the readable side: a chunk's events are enqueued
// without the transform stalling on every one the reader has not taken.
const READABLE_STRATEGY = { highWaterMark: 256 };

import { checkMaxBufferSize, optionError } from './options.js';

export function defineEventStreamParser(loader) {

  function bytesOf(chunk) {
    if (chunk instanceof Uint8Array) return chunk;
    if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
    if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    throw new TypeError('EventStreamParser: chunks must be Uint8Array (or another ArrayBuffer view, or an ArrayBuffer).');
  }

  class EventStreamParser extends TransformStream {
    constructor(options = {}) {
      if (options === null || typeof options !== 'object') {
        throw new TypeError("Failed to construct 'EventStreamParser': options must be an object.");
      }
      const maxBufferSize = checkMaxBufferSize('EventStreamParser', options.maxBufferSize);
      const { onRetry } = options;
      if (onRetry !== undefined && typeof onRetry !== 'function') {
        throw optionError('EventStreamParser', 'onRetry', 'a function');
      }
      let parser = null;
      const feed = (chunk, controller) => {
        const packed = parser.feed(bytesOf(chunk));
        if (onRetry) {
          const retry = parser.retry;
          if (retry !== undefined) onRetry(retry);
        }
        if (!packed) return;
        const parts = packed.split('\r');
        for (let i = 0, n = parts.length - 1; i < n; i += 3) {
          controller.enqueue({ type: parts[i + 1], data: parts[i], lastEventId: parts[i + 2] });
        }
      };
      super({
        transform(chunk, controller) {
          if (parser) return feed(chunk, controller);
          return loader.ready.then(() => {
            parser ??= new loader.StreamParser(maxBufferSize);
            feed(chunk, controller);
          });
        },
        flush() {
          // [spec] An event without its closing blank line is discarded.
          parser?.finish();
        },
      }, undefined, READABLE_STRATEGY);
    }
  }
  // The build minifies names away (it keeps none, for size): keep this one.
  Object.defineProperty(EventStreamParser, 'name', { value: 'EventStreamParser' });
  return EventStreamParser;
}
