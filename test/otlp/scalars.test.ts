import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Long from 'long';
import { NOT_HEX, Uint64Memo, idHex, idProblem, toBigInt, toNumber } from '../../src/otlp/scalars.js';

describe('toBigInt', () => {
  it('is exact for signed and unsigned 64-bit values at the edges', () => {
    const signed = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -5n, -(2n ** 32n), -(2n ** 63n), 1763800000123456789n];
    for (const v of signed) assert.equal(toBigInt(Long.fromString(v.toString(), false)), v, `signed ${v}`);
    const unsigned = [0n, 2n ** 32n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 1763800000123456789n];
    for (const v of unsigned) assert.equal(toBigInt(Long.fromString(v.toString(), true)), v, `unsigned ${v}`);
    assert.equal(toBigInt(12n), 12n);
  });

  it('toNumber for counts', () => {
    assert.equal(toNumber(Long.fromNumber(7, true)), 7);
    assert.equal(toNumber(Long.fromNumber(2 ** 40, true)), 2 ** 40);
    assert.equal(toNumber(9n), 9);
  });
});

describe('Uint64Memo', () => {
  it('returns the right value whether or not it repeats', () => {
    const memo = new Uint64Memo();
    const values = [0n, 1763800000123456789n, 1763800000123456789n, 2n ** 64n - 1n, 5n, 5n + 2n ** 32n, 0n];
    for (const v of values) assert.equal(memo.get(Long.fromString(v.toString(), true)), v);
    assert.equal(memo.get(7n), 7n);
  });
});

describe('ids', () => {
  it('converts bytes and hex strings to lower-case hex', () => {
    assert.equal(idHex(Buffer.from([0xab, 0x01])), 'ab01');
    assert.equal(idHex(new Uint8Array([0xab, 0x01])), 'ab01');
    assert.equal(idHex(new Uint8Array(0)), '');
    assert.equal(idHex('AB01'), 'ab01');
    assert.equal(idHex('abc'), NOT_HEX); // odd length
    assert.equal(idHex('zz'), NOT_HEX);
  });

  it('names what is wrong with an id', () => {
    assert.equal(idProblem('span_id', 'a1a2a3a4a5a6a7a8', 8), '');
    assert.equal(idProblem('span_id', '', 8), 'span_id must be 8 bytes, got 0');
    assert.equal(idProblem('span_id', '0000000000000000', 8), 'span_id must not be all zero');
    assert.equal(idProblem('trace_id', NOT_HEX, 16), 'trace_id must be 16 bytes as hex, got a non-hex string');
  });
});
