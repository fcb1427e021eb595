/**
 * Reads the rejected count out of an OTLP Export*ServiceResponse (protobuf): field 1 partial_success,
 * whose field 1 is rejected_spans / rejected_data_points (int64). An empty body rejects nothing.
 */
export function rejectedItems(body: Uint8Array): number {
  const partial = field(body, 1, 2);
  if (!partial) return 0;
  const rejected = field(partial, 1, 0);
  return rejected ? readVarint(rejected, 0)[0] : 0;
}

/** The first occurrence of a field: for wire type 2 its bytes, for wire type 0 the bytes from its varint on. */
function field(buf: Uint8Array, number: number, wireType: 0 | 2): Uint8Array | undefined {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const type = key & 7;
    pos = afterKey;
    const matches = key >>> 3 === number && type === wireType;
    if (type === 0) {
      if (matches) return buf.subarray(pos);
      pos = readVarint(buf, pos)[1];
    } else if (type === 2) {
      const [length, start] = readVarint(buf, pos);
      if (matches) return buf.subarray(start, start + length);
      pos = start + length;
    } else if (type === 1) pos += 8;
    else if (type === 5) pos += 4;
    else return undefined; // groups are not used by OTLP: give up rather than misread
  }
  return undefined;
}

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint in an OTLP response');
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
    scale *= 128;
  }
}
