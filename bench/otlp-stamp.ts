/**
 * New timestamps in pre-encoded protobuf bodies, rewritten in place, so a store gets distinct samples from the same
 * bytes sent again (the delivery scenario): the byte offsets of every timestamp are found once.
 * - OTLP metrics requests (the load generator): every data point's `time_unix_nano`, a fixed64; each request is a
 *   copy with a new time.
 * - Remote-write WriteRequests, uncompressed (the native loop into Prometheus): every sample's, histogram's and
 *   exemplar's `timestamp`, an int64 varint in milliseconds. Millisecond times near now all take 6 varint bytes
 *   (2^35 .. 2^42 ms: 1971 to 2109), so a new time of that length overwrites the old one in place.
 */

/** Calls `field` for each top-level field of the message in buf[start, end). */
function fields(buf: Uint8Array, start: number, end: number, field: (no: number, wire: number, at: number, len: number) => void): void {
  let pos = start;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (pos < end) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const at = pos;
      varint();
      field(no, wire, at, pos - at);
    } else if (wire === 1) {
      field(no, wire, pos, 8);
      pos += 8;
    } else if (wire === 2) {
      const len = varint();
      field(no, wire, pos, len);
      pos += len;
    } else if (wire === 5) {
      field(no, wire, pos, 4);
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire} at ${pos}`);
  }
  if (pos !== end) throw new Error('truncated message');
}

/** Offsets of `time_unix_nano` (field 3, fixed64) of every data point in an ExportMetricsServiceRequest. */
export function timeOffsets(body: Buffer): number[] {
  const offsets: number[] = [];
  const sub = (no: number, then: (at: number, len: number) => void) => (n: number, wire: number, at: number, len: number) => {
    if (n === no && wire === 2) then(at, len);
  };
  // ExportMetricsServiceRequest.resource_metrics(1) > ResourceMetrics.scope_metrics(2) > ScopeMetrics.metrics(2)
  // > Metric.gauge(5) | sum(7) | histogram(9) | exponential_histogram(10) | summary(11) > .data_points(1) > time_unix_nano(3)
  fields(
    body,
    0,
    body.length,
    sub(1, (rm, rmLen) =>
      fields(
        body,
        rm,
        rm + rmLen,
        sub(2, (sm, smLen) =>
          fields(
            body,
            sm,
            sm + smLen,
            sub(2, (m, mLen) =>
              fields(body, m, m + mLen, (kind, wire, data, dataLen) => {
                if (wire !== 2 || ![5, 7, 9, 10, 11].includes(kind)) return;
                fields(
                  body,
                  data,
                  data + dataLen,
                  sub(1, (dp, dpLen) =>
                    fields(body, dp, dp + dpLen, (n, w, at) => {
                      if (n === 3 && w === 1) offsets.push(at);
                    }),
                  ),
                );
              }),
            ),
          ),
        ),
      ),
    ),
  );
  return offsets;
}

/** A copy of body with every data point's time set to `nanos`. */
export function restamp(body: Buffer, offsets: readonly number[], nanos: bigint): Buffer {
  const copy = Buffer.allocUnsafe(body.length);
  body.copy(copy);
  for (const at of offsets) copy.writeBigUInt64LE(nanos, at);
  return copy;
}

/**
 * A copy of an OTLP metrics request whose resources carry another `service.instance.id`: the value's last character
 * (ASCII) becomes "a" + index, so the copy's series are another sender's (same length: rewritten in place).
 */
export function otherInstance(body: Buffer, index: number): Buffer {
  const copy = Buffer.from(body);
  const key = Buffer.from('service.instance.id');
  const sub = (no: number, then: (at: number, len: number) => void) => (n: number, wire: number, at: number, len: number) => {
    if (n === no && wire === 2) then(at, len);
  };
  let found = 0;
  // ExportMetricsServiceRequest.resource_metrics(1) > ResourceMetrics.resource(1) > Resource.attributes(1) > KeyValue
  // { key(1), value(2) > AnyValue.string_value(1) }
  fields(
    body,
    0,
    body.length,
    sub(1, (rm, rmLen) =>
      fields(
        body,
        rm,
        rm + rmLen,
        sub(1, (r, rLen) =>
          fields(
            body,
            r,
            r + rLen,
            sub(1, (kv, kvLen) => {
              let isInstance = false;
              fields(body, kv, kv + kvLen, (n, wire, at, len) => {
                if (n === 1 && wire === 2) isInstance = key.equals(body.subarray(at, at + len));
                else if (n === 2 && wire === 2 && isInstance) {
                  fields(
                    body,
                    at,
                    at + len,
                    sub(1, (str, strLen) => {
                      if (strLen === 0 || body[str + strLen - 1]! >= 0x80) throw new Error('service.instance.id must end in an ASCII character');
                      copy[str + strLen - 1] = 0x61 + (index % 26);
                      found++;
                    }),
                  );
                }
              });
            }),
          ),
        ),
      ),
    ),
  );
  if (found === 0) throw new Error('no service.instance.id in the payload');
  return copy;
}

/** Where a WriteRequest's timestamps are (byte offsets of their varints) and what they are (ms). */
export interface WriteRequestTimes {
  offsets: number[];
  times: number[];
}

/** Every `timestamp` varint in a remote-write WriteRequest (protobuf, uncompressed); all must be 6 bytes long. */
export function writeRequestTimes(raw: Uint8Array): WriteRequestTimes {
  const found: WriteRequestTimes = { offsets: [], times: [] };
  // WriteRequest.timeseries(1) > TimeSeries.samples(2) > Sample.timestamp(2); .exemplars(3) > Exemplar.timestamp(3);
  // .histograms(4) > Histogram.timestamp(15).
  const timestampField: Record<number, number> = { 2: 2, 3: 3, 4: 15 };
  fields(raw, 0, raw.length, (n, wire, series, seriesLen) => {
    if (n !== 1 || wire !== 2) return;
    fields(raw, series, series + seriesLen, (m, w, at, len) => {
      const wanted = timestampField[m];
      if (w !== 2 || wanted === undefined) return;
      fields(raw, at, at + len, (f, fw, start, size) => {
        if (f !== wanted || fw !== 0) return;
        if (size !== STAMP_BYTES)
          throw new Error(`a timestamp of ${size} varint bytes at ${start}: only times near now (${STAMP_BYTES} bytes) can be rewritten in place`);
        let ms = 0;
        for (let i = STAMP_BYTES - 1; i >= 0; i--) ms = ms * 128 + (raw[start + i]! & 0x7f);
        found.offsets.push(start);
        found.times.push(ms);
      });
    });
  });
  return found;
}

const STAMP_BYTES = 6;
const STAMP_MIN = 2 ** 35;
const STAMP_MAX = 2 ** 42;

/** Sets every timestamp of buf (in place) to its original time (`found.times`) + shiftMs; each keeps its 6 varint bytes. */
export function shiftWriteRequest(buf: Uint8Array, found: WriteRequestTimes, shiftMs: number): void {
  const { offsets, times } = found;
  for (let i = 0; i < offsets.length; i++) {
    let rest = times[i]! + shiftMs;
    if (!(rest >= STAMP_MIN && rest < STAMP_MAX && Number.isInteger(rest))) throw new Error(`${rest} ms does not fit ${STAMP_BYTES} varint bytes`);
    const at = offsets[i]!;
    for (let b = 0; b < STAMP_BYTES - 1; b++) {
      const low = rest % 128;
      rest = (rest - low) / 128;
      buf[at + b] = low | 0x80;
    }
    buf[at + STAMP_BYTES - 1] = rest;
  }
}
