// EventStreamParser: a TransformStream from bytes to events, on the same
// core parser as EventSource, for streams the page fetched itself:
//   response.body.pipeThrough(new EventStreamParser())
// Each event is `{ type, data, lastEventId }`; `retry:` values go to the
// `onRetry` option. The rules are the source's: a leading BOM, CR, LF and
// CRLF at any chunk split, `id` values with NUL ignored, an unfinished
// event at the end discarded, and `maxBufferSize` (the stream errors when
// an event would exceed it).
import { core, putBytes, events, regs, sentence, parserNew, parserFree, parserFeed } from './core.js';
import { checkNumber, optionError } from './options.js';

// Events may wait on the readable side: a chunk's events are enqueued
// without the transform stalling on every one the reader has not taken.
const READABLE_STRATEGY = { highWaterMark: 256 };
/** parser_feed's answer when the input would exceed maxBufferSize (u32::MAX, which JavaScript reads as a signed i32). */
const OVERFLOW = -1;

function bytesOf(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('EventStreamParser: chunks must be Uint8Array (or another ArrayBuffer view, or an ArrayBuffer).');
}

// Frees a parser's core once its stream is gone.
const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((p) => parserFree(p)) : null;

export class EventStreamParser extends TransformStream {
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError("Failed to construct 'EventStreamParser': options must be an object.");
    }
    const ctor = 'EventStreamParser';
    const maxBufferSize = checkNumber(ctor, 'maxBufferSize', options.maxBufferSize);
    const { onRetry } = options;
    if (onRetry !== undefined && typeof onRetry !== 'function') throw optionError(ctor, 'onRetry', 'a function');
    let parser = 0;
    const free = () => {
      if (parser) {
        registry?.unregister(this);
        parserFree(parser);
        parser = 0;
      }
    };
    const feed = (chunk, controller) => {
      if (!parser) {
        parser = parserNew(maxBufferSize ?? NaN);
        registry?.register(this, parser, this);
      }
      const count = parserFeed(parser, putBytes(bytesOf(chunk)));
      if (count === OVERFLOW) {
        const message = sentence(regs[4], { maxBufferSize: regs[5] });
        free();
        throw new Error(message);
      }
      const retry = regs[0];
      const parts = count ? events() : null;
      if (onRetry && retry === retry) onRetry(retry);
      for (let i = 0; i < count * 3; i += 3) {
        controller.enqueue({ type: parts[i + 1], data: parts[i], lastEventId: parts[i + 2] });
      }
    };
    super(
      {
        transform(chunk, controller) {
          if (core.x) return feed(chunk, controller);
          return core.ready.then(() => feed(chunk, controller));
        },
        flush() {
          // [spec] An event without its closing blank line is discarded.
          free();
        },
        cancel: free,
      },
      undefined,
      READABLE_STRATEGY
    );
  }
}
// The build minifies names away (it keeps none, for size): keep this one.
Object.defineProperty(EventStreamParser, 'name', { value: 'EventStreamParser' });
