// The globals the script-tag file (`wasm-eventsource/script`, loaded with
// `<script src>` or `importScripts()`) defines. Bring them into a
// TypeScript project with `/// <reference types="wasm-eventsource/script" />`
// or `import type {} from 'wasm-eventsource/script'`.
import type { EventSource as WasmEventSourceClass } from './index.js';

declare global {
  /** wasm-eventsource's EventSource, always defined by the script. */
  var WasmEventSource: typeof WasmEventSourceClass & {
    /** Resolves at once when the WebAssembly module compiled; rejects when it could not (a CSP without 'wasm-unsafe-eval'). */
    readonly ready: Promise<void>;
    /** How many engines exist (closed sources free theirs). */
    liveEngines(): number;
  };
  /** The environment's own EventSource when the script ran, if it had one. */
  var NativeEventSource: typeof globalThis.EventSource | undefined;
}

export {};
