export { RedisQueueStore, type RedisQueueOptions } from './store.js';
