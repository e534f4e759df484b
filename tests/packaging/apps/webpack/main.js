import { EventSource } from 'wasm-eventsource';
import { stream } from '../stream.js';

const name = new URLSearchParams(location.search).get('name');
stream(EventSource, name).then((r) => {
  window.result = r;
});
