// The shared worker that holds `shared` streams outside any tab
// (`new SharedWorker(new URL('./shared-worker.js', import.meta.url))`,
// started by the first page that makes a shared source).
import './load.js';
import { deps } from './share.js';
import { serve } from './shared.js';

serve(deps);
