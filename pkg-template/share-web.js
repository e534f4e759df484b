// What the EventSource class can do in browsers only (index.js imports it as
// './platform.js'; share-node.js is the server runtimes'): `shared`
// sources, whose connections the shared worker (shared-worker.js beside
// this file) holds where SharedWorker exists.
import { WORKER_NAME, share, canShare, sharing } from './share.js';

let worker = null;
const startWorker =
  typeof SharedWorker === 'function'
    ? () =>
        (worker ??= new SharedWorker(new URL('./shared-worker.js', import.meta.url), {
          type: 'module',
          name: WORKER_NAME,
        }))
    : null;
if (canShare()) sharing.share = share(startWorker);
