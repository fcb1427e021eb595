export { EmbeddedQueueStore, type EmbeddedQueueOptions } from './store.js';
