// `wasm-eventsource/parser`: the parser without the EventSource class.
export { EventStreamParser, type EventStreamParserOptions, type EventStreamMessage, ready } from './index.js';
