// Production build; webpack 5 emits the .wasm the package locates with
// `new URL('./wasm_eventsource_bg.wasm', import.meta.url)`.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export default {
  mode: 'production',
  entry: resolve(here, 'main.js'),
  output: { path: resolve(here, 'dist'), filename: 'main.js', clean: true },
  stats: 'errors-warnings',
};
