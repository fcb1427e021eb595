/**
 * Queue payload format version 4: a purpose-written binary layout (written by binary-writer.ts, read by
 * binary-reader.ts). A metric point's attribute set and a histogram point's explicit bounds are references like
 * resources (below), written in full only at their first use in the payload: points of different metrics carry
 * the same sets, and the points of a histogram the same bounds (the OTLP reader hands them over as shared objects,
 * src/otlp/read-attribute-sets.ts and sharedBounds()).
 *
 * Versions read: 4, and 3, which is version 4 without the log-record section (it ends after the spans, and
 * decodes with no log records): a queue written by a version-3 build may still hold such payloads when it is
 * upgraded. Versions 1 and 2 are refused (codec.ts). What the gateway writes is version 5, this layout as one snappy
 * block (codec.ts).
 *
 * Why not msgpackr: packing positional tuples made from the model was ~22% of the gateway's CPU on traces ingest
 * (bench/NOTES.md); the writer walks the model objects directly into one reused buffer and allocates nothing per
 * item. It is held equal to a msgpackr round trip (test/queue/msgpack-reference.ts) by test/queue/codec.test.ts
 * (differential cases and a seeded fuzz over every field of every point type, span and log record).
 *
 * Layout, after the version byte: varuint point count, the points, varuint span count, the spans, varuint log
 * record count, the log records (each: resource, scope, time, observed time, severity number, severity text,
 * body as a tagged value (TAG_NULL when it has none), attributes, dropped attributes count, flags, trace id,
 * span id, event name).
 * - Resources, scopes, metric descriptors, point attribute sets and histogram bounds are written inline at their first use and referred to by index
 *   afterwards (`ref`: varuint index; the index equal to the count seen so far means "new, its fields follow"),
 *   so decoding rebuilds one shared object per distinct one, as the model had them.
 * - Strings that repeat (attribute keys and string values, span and event names, trace states, status
 *   messages, log severity texts and event names) go through a per-payload table: written and decoded once,
 *   then referred to by index.
 *   Resource, scope and descriptor fields are written in full; trace and span ids as their bytes when they
 *   are lowercase hex (always, from the OTLP decoders), else as strings.
 * - Attribute sets: (key, value) pairs ended by 0. A key is 1 + a new key string, or 2 + its table index.
 * - Values are tagged (TAG_*): doubles as 8 bytes (NaN, ±Inf and -0 exact); int64 as 8 bytes, with uint64 and
 *   any other bigint kept exact; bytes, arrays and kvlists nested.
 * - `int` fields (counts, flags, enums, offsets): zigzag varuint × 2 for integers below 2^29 in size, else
 *   the varuint 1 and the number as a double, so every number comes back as it was.
 * - Timestamps (bigint): a bigint value (1 tag byte, then 8 bytes in the common case).
 * - Strings: varuint byte length + UTF-8, well-formed: a lone UTF-16 surrogate comes back as U+FFFD; every other
 *   string comes back exactly.
 */
import type { MetricDescriptor, MetricPoint } from '../model/index.js';

/** The layout's version (written inside version 5's snappy block, codec.ts). */
export const BINARY_VERSION = 4;
/** The oldest version read: what a queue written by the build before this one may hold. */
export const OLDEST_READ_VERSION = 3;
/** Versions before this one end after the spans. */
export const LOGS_SINCE_VERSION = 4;

export const TAG_NULL = 0;
export const TAG_FALSE = 1;
export const TAG_TRUE = 2;
export const TAG_STRING = 3;
export const TAG_DOUBLE = 4;
export const TAG_INT64 = 5;
export const TAG_UINT64 = 6;
/** A bigint outside int64 and uint64, as decimal text. */
export const TAG_BIGINT_TEXT = 7;
export const TAG_BYTES = 8;
export const TAG_ARRAY = 9;
export const TAG_KVLIST = 10;

export const POINT_TYPES = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const;
export const POINT_CODES: Record<MetricPoint['type'], number> = { gauge: 0, sum: 1, histogram: 2, exponential_histogram: 3, summary: 4 };
export const TEMPORALITIES = ['unspecified', 'delta', 'cumulative'] as const;
export const TEMPORALITY_CODES: Record<MetricDescriptor['temporality'], number> = { unspecified: 0, delta: 1, cumulative: 2 };
/** Point header byte: type code in bits 0-2, then which optional fields follow. */
export const HAS_SUM = 8;
export const HAS_MIN = 16;
export const HAS_MAX = 32;
export const HAS_EXEMPLARS = 64;

export const INT64_MIN = -(2n ** 63n);
export const UINT64_END = 2n ** 64n;
export const INT_LIMIT = 1 << 29;
/** Longer strings are written in full each time (rarely repeated, and they would fill the table). */
export const MAX_INTERNED = 64;
