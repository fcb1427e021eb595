/** Just enough of the Dockerfile and compose syntaxes to check what this repository's files say. */

export interface DockerInstruction {
  readonly name: string;
  /** Arguments: the JSON array form as given, the shell form split on whitespace (flags like --from removed). */
  readonly args: string[];
  readonly flags: Record<string, string>;
}

export interface DockerStage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: DockerInstruction[];
}

/** Stages with their instructions; continuation lines joined, comments dropped, global ARG defaults substituted in FROM. */
export function parseDockerfile(text: string): { stages: DockerStage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const globalArgs: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const line of logical.filter((l) => l !== '')) {
    const [, name = '', rest = ''] = /^(\S+)\s*(.*)$/s.exec(line) ?? [];
    const instruction = parseInstruction(name.toUpperCase(), rest);
    if (instruction.name === 'ARG' && stages.length === 0) {
      const [key, value = ''] = instruction.args[0]!.split(/=(.*)/s);
      globalArgs[key!] = value;
      continue;
    }
    if (instruction.name === 'FROM') {
      const image = instruction.args[0]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => globalArgs[(a ?? b)!] ?? '');
      const as = instruction.args.findIndex((a) => a.toUpperCase() === 'AS');
      stages.push({ image, name: as >= 0 ? instruction.args[as + 1] : undefined, instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`Dockerfile: ${instruction.name} before the first FROM`);
    stages.at(-1)!.instructions.push(instruction);
  }
  return { stages };
}

function parseInstruction(name: string, rest: string): DockerInstruction {
  const flags: Record<string, string> = {};
  let body = rest.trim();
  // HEALTHCHECK's own options come before CMD; COPY's --from/--chown before the sources.
  for (let flag = /^--([a-z-]+)=(\S+)\s+/.exec(body); flag; flag = /^--([a-z-]+)=(\S+)\s+/.exec(body)) {
    flags[flag[1]!] = flag[2]!;
    body = body.slice(flag[0].length);
  }
  if (body.startsWith('[')) {
    try {
      return { name, args: JSON.parse(body) as string[], flags };
    } catch {
      // not JSON: the shell form
    }
  }
  return { name, args: body.split(/\s+/).filter((a) => a !== ''), flags };
}

/** A compose short-syntax volume: `source:target[:mode]`. */
export function parseVolume(spec: string): { source: string; target: string } {
  const [source = '', target = ''] = spec.split(':');
  return { source, target };
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}`, from `env`, else the default, else empty. */
export function resolveComposeVars(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_, name: string, fallback?: string) => env[name] ?? fallback ?? '');
}
