export * from './attributes.js';
export * from './resource.js';
export * from './metrics.js';
export * from './spans.js';
export * from './logs.js';
export * from './batch.js';
