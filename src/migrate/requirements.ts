/** `requires` directives checked against what the target's probe found. */
export interface Requirement {
  readonly feature: string;
  readonly op: 'present' | '=' | '>=';
  readonly value: string;
  readonly text: string;
}

export type Features = Readonly<Record<string, string>>;

export function parseRequirement(text: string, file: string): Requirement {
  const match = /^([a-z][a-z0-9_.-]*)(?:(>=|=)(\S+))?$/.exec(text);
  if (!match) throw new Error(`${file}: cannot read "requires ${text}" (expected FEATURE, FEATURE=VALUE or FEATURE>=VERSION)`);
  return { feature: match[1]!, op: (match[2] as '=' | '>=' | undefined) ?? 'present', value: match[3] ?? '', text };
}

/** Undefined when met; otherwise why not, in words for `status`. */
export function unmet(requirements: readonly Requirement[], features: Features): string | undefined {
  for (const req of requirements) {
    const found = features[req.feature];
    if (found === undefined) return `${req.text}: ${req.feature} not found`;
    if (req.op === '=' && found !== req.value) return `${req.text}: found ${req.feature}=${found}`;
    if (req.op === '>=' && compareVersions(found, req.value) < 0) return `${req.text}: found ${req.feature} ${found}`;
  }
  return undefined;
}

/** Numeric dotted comparison; anything after the numbers (`-dev`, `-stable`) is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (/^[\d.]+/.exec(v)?.[0] ?? '0').split('.').filter(Boolean).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
