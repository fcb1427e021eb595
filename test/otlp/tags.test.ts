/**
 * The reader's field tags (the generated `const enum` blocks in src/otlp/read-*.ts) against the protos, through
 * protobufjs reflection: each block is what scripts/otlp-tags.ts makes of proto/ today, each member of a message's
 * enum is that message's field number and wire type, and no reader compares a tag with a bare number.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TAG_FILES, currentBlock, renderBlock } from '../../scripts/otlp-tags.js';
import { protoRoot } from '../../src/otlp/proto.js';
import { declaredWireType } from '../../src/otlp/wire-schema.js';

const WIRE_TYPES: Record<string, number> = { VARINT: 0, I64: 1, LEN: 2, I32: 5, PACKED: 2 };
const source = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('OTLP field tags', () => {
  for (const [file, specs] of Object.entries(TAG_FILES)) {
    it(`${file}: the block is generated from the protos (npm run otlp-tags rewrites it)`, () => {
      assert.equal(currentBlock(source(file)), renderBlock(specs));
    });
  }

  it('each member of a message enum is its field number and wire type', () => {
    let checked = 0;
    for (const file of Object.keys(TAG_FILES)) {
      for (const m of source(file).matchAll(/\/\*\* (opentelemetry\.proto\.[\w.]+) \*\/\nconst enum \w+ \{\n([^}]*)\}/g)) {
        const type = protoRoot.lookupType(m[1]!);
        for (const [, field, wire, tag] of m[2]!.matchAll(/^ {2}(\w+)_(\w+) = (0x[0-9a-f]+),/gm)) {
          const name = field![0]!.toLowerCase() + field!.slice(1);
          const declared = type.fields[name];
          assert.ok(declared, `${m[1]}.${name}: no such field`);
          const value = Number(tag);
          assert.equal(value >>> 3, declared.id, `${m[1]}.${name}: field number`);
          assert.equal(value & 7, WIRE_TYPES[wire!], `${m[1]}.${name}: wire type ${wire}`);
          if (wire === 'PACKED') assert.ok(declared.repeated && declaredWireType(declared) !== 2, `${m[1]}.${name}: not packable`);
          else assert.equal(WIRE_TYPES[wire!], declaredWireType(declared), `${m[1]}.${name}: declared wire type`);
          checked++;
        }
      }
    }
    assert.ok(checked > 90, `only ${checked} tags checked`);
  });

  it('no reader compares a tag with a bare number', () => {
    const dir = new URL('../../src/otlp/', import.meta.url);
    for (const name of readdirSync(dir).filter((f) => f.startsWith('read-'))) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      const bare = text.split('\n').filter((line) => /case 0x|[tT]ag === 0x|\b0x[0-9a-f]{2}\b(?!,? \/\/)/.test(line) && !/^ {2}\w+ = 0x/.test(line));
      assert.deepEqual(bare, [], `${name} has bare tags`);
    }
  });
});
