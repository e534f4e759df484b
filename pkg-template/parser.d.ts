// `wasm-eventsource/parser`: the parser without the EventSource class.

/** An event as `EventStreamParser` emits it. */
export interface EventStreamMessage {
  /** The event type: `message`, or the `event:` field's value. */
  type: string;
  data: string;
  /** The stream's last event id when the event was dispatched. */
  lastEventId: string;
}

export interface EventStreamParserOptions {
  /** Most bytes of incomplete input to hold; beyond it the stream errors. Default 64 MiB. */
  maxBufferSize?: number;
  /** Called with each chunk's last valid `retry:` value (ms), before that chunk's events. */
  onRetry?: (milliseconds: number) => void;
}

/**
 * A TransformStream from bytes to events, with the same parser as
 * EventSource: `response.body.pipeThrough(new EventStreamParser())`.
 */
export declare class EventStreamParser extends TransformStream<Uint8Array | ArrayBuffer | ArrayBufferView, EventStreamMessage> {
  constructor(options?: EventStreamParserOptions);
}

/**
 * Resolves when the WebAssembly module is ready (parsers made earlier wait
 * for it). Rejects when the module cannot load (for example under a CSP
 * without 'wasm-unsafe-eval').
 */
export declare const ready: Promise<void>;
