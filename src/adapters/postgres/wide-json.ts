/**
 * The wide tables' jsonb attributes back into model attributes, for the upgrade to the series layout (upgrade.ts).
 * JSON loses some types json.ts wrote: an int64 and an integral double are both `5`; bytes are a base64 string; a
 * NaN/±Infinity double is the string "NaN"/"Infinity"/"-Infinity". The parse takes the likely reading (an integer
 * literal is an int64, a string a string) and records every value that could have been something else as a Slot,
 * so the caller can try the other readings until the wide row's own series_id (series.ts, which hashes the types)
 * comes out, and then computes the series layout's ids from the attributes as the sender sent them.
 */
import type { AttributeValue, Attributes } from '../../model/index.js';

/** A value whose type the JSON does not tell: its likely reading, the others, and how to put one in place. */
export interface Slot {
  readonly initial: AttributeValue;
  readonly alternatives: readonly AttributeValue[];
  set(value: AttributeValue): void;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const FLOAT_WORDS: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/** Parses jsonb text (PostgreSQL's output of a JSON object); ambiguous values are appended to `slots` when given. */
export function parseAttributes(text: string, slots?: Slot[]): Attributes {
  const parser = new Parser(text, slots);
  const value = parser.value();
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array)
    throw new Error(`postgres upgrade: expected a JSON object of attributes, got ${text.slice(0, 80)}`);
  return value as Attributes;
}

/** Parses any jsonb text, integer literals as bigint (exact: times, counts, int64 values). */
export function parseJson(text: string): AttributeValue {
  return new Parser(text, undefined).value();
}

/**
 * Tries readings of the slots until `matches()` holds: the likely one first, then every reading with one value
 * changed, then two, and so on, up to `budget` tries. True when one matched (the slots are left so); false with the
 * likely reading back in place.
 */
export function resolveSlots(slots: readonly Slot[], matches: () => boolean, budget = 4096): boolean {
  if (matches()) return true;
  let tries = 0;
  const change = (from: number, left: number): boolean => {
    if (left === 0) return ++tries <= budget && matches();
    for (let i = from; i <= slots.length - left && tries <= budget; i++) {
      const slot = slots[i] as Slot;
      for (const alternative of slot.alternatives) {
        slot.set(alternative);
        if (change(i + 1, left - 1)) return true;
      }
      slot.set(slot.initial);
    }
    return false;
  };
  for (let k = 1; k <= slots.length && tries <= budget; k++) if (change(0, k)) return true;
  return false;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly slots: Slot[] | undefined,
  ) {}

  value(): AttributeValue {
    return this.read((v) => v);
  }

  /** One value; `place` puts another reading of it where it belongs in its container. */
  private read(place: (v: AttributeValue) => void): AttributeValue {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string(place);
    if (this.text.startsWith('true', this.pos)) return this.word(4, true);
    if (this.text.startsWith('false', this.pos)) return this.word(5, false);
    if (this.text.startsWith('null', this.pos)) return this.word(4, null);
    return this.number(place);
  }

  private object(): Attributes {
    const out: Record<string, AttributeValue> = {};
    this.pos++;
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      const key = this.string(undefined) as string;
      this.space();
      this.expect(':');
      out[key] = this.read((v) => {
        out[key] = v;
      });
      this.space();
      if (this.text[this.pos++] === '}') return out;
    }
  }

  private array(): AttributeValue[] {
    const out: AttributeValue[] = [];
    this.pos++;
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      const i = out.length;
      out.push(
        this.read((v) => {
          out[i] = v;
        }),
      );
      this.space();
      if (this.text[this.pos++] === ']') return out;
    }
  }

  private string(place: ((v: AttributeValue) => void) | undefined): AttributeValue {
    const start = this.pos;
    this.pos++;
    while (this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    this.pos++;
    const value = JSON.parse(this.text.slice(start, this.pos)) as string;
    if (place && this.slots) {
      const alternatives: AttributeValue[] = [];
      const word = FLOAT_WORDS[value];
      if (word !== undefined) alternatives.push(word);
      if (BASE64.test(value)) alternatives.push(new Uint8Array(Buffer.from(value, 'base64')));
      if (alternatives.length > 0) this.slots.push({ initial: value, alternatives, set: place });
    }
    return value;
  }

  private number(place: (v: AttributeValue) => void): AttributeValue {
    const start = this.pos;
    while (this.pos < this.text.length && /[-+0-9.eE]/.test(this.text[this.pos] as string)) this.pos++;
    const literal = this.text.slice(start, this.pos);
    if (literal === '') throw new Error(`postgres upgrade: unreadable JSON at ${start}: ${this.text.slice(start, start + 40)}`);
    if (!/^-?\d+$/.test(literal)) return Number(literal);
    const int = BigInt(literal);
    if (int < INT64_MIN || int > INT64_MAX) return Number(literal);
    const double = Number(literal);
    if (this.slots && BigInt(double) === int) this.slots.push({ initial: int, alternatives: [double], set: place });
    return int;
  }

  private word(length: number, value: AttributeValue): AttributeValue {
    this.pos += length;
    return value;
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) throw new Error(`postgres upgrade: expected ${c} at ${this.pos} in ${this.text.slice(0, 80)}`);
    this.pos++;
  }

  private space(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\n' || this.text[this.pos] === '\t' || this.text[this.pos] === '\r') this.pos++;
  }
}
