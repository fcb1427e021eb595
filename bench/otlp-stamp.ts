/**
 * Gives each request of a pre-encoded OTLP metrics body its own timestamp, so a store behind the gateway gets
 * distinct samples (the delivery scenario): the byte offsets of every data point's `time_unix_nano` (a
 * fixed64, so it can be rewritten in place) are found once; each request is then a copy with a new time.
 */

/** Calls `field` for each top-level field of the message in buf[start, end). */
function fields(buf: Buffer, start: number, end: number, field: (no: number, wire: number, at: number, len: number) => void): void {
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
  fields(body, 0, body.length, sub(1, (rm, rmLen) =>
    fields(body, rm, rm + rmLen, sub(2, (sm, smLen) =>
      fields(body, sm, sm + smLen, sub(2, (m, mLen) =>
        fields(body, m, m + mLen, (kind, wire, data, dataLen) => {
          if (wire !== 2 || ![5, 7, 9, 10, 11].includes(kind)) return;
          fields(body, data, data + dataLen, sub(1, (dp, dpLen) =>
            fields(body, dp, dp + dpLen, (n, w, at) => {
              if (n === 3 && w === 1) offsets.push(at);
            })));
        })))))));
  return offsets;
}

/** A copy of body with every data point's time set to `nanos`. */
export function restamp(body: Buffer, offsets: readonly number[], nanos: bigint): Buffer {
  const copy = Buffer.allocUnsafe(body.length);
  body.copy(copy);
  for (const at of offsets) copy.writeBigUInt64LE(nanos, at);
  return copy;
}
