export { EventSource } from './index.js';
