import { EventSource, ready } from 'wasm-eventsource';
import { stream } from '../stream.js';

const name = new URLSearchParams(location.search).get('name');
ready.then(
  () => ({ ready: 'resolved' }),
  (e) => ({ ready: 'rejected', readyError: String(e) })
).then(async (status) => {
  window.result = { ...status, ...(await stream(EventSource, name)) };
});
