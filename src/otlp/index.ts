export { DEFAULT_DECODE_LIMITS, OtlpDecodeError } from './types.js';
export type { DecodeLimits, DecodedRequest, Encoding } from './types.js';
export { decodeMetrics, decodeTraces } from './decode.js';
export { encodeErrorStatus, encodeExportResponse, rejectionSummary } from './response.js';
