export { DEFAULT_DECODE_LIMITS, OtlpDecodeError } from './types.js';
export type { DecodeLimits, DecodedLogs, DecodedRequest, Encoding } from './types.js';
export { decodeLogs, decodeMetrics, decodeTraces } from './decode.js';
export { encodeErrorStatus, encodeExportResponse, rejectionSummary } from './response.js';
