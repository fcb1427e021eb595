/**
 * `{{name}}` placeholders, filled from the backend's config (and `feature.<name>` from probing), plus
 * sections for optional clauses: `{{#name}} … {{/name}}` keeps its body when the value is non-empty,
 * `{{^name}} … {{/name}}` when it is empty or absent (e.g. no TTL configured: no TTL clause at all).
 * An unknown placeholder is an error that names the file: a typo must never reach the server as SQL.
 */
const SECTION = /\{\{([#^])([\w.-]+)\}\}([\s\S]*?)\{\{\/\2\}\}/g;
const PLACEHOLDER = /\{\{\s*([\w.-]+)\s*\}\}/g;

export function renderTemplate(sql: string, values: Readonly<Record<string, string>>, file: string): string {
  let text = sql;
  // Innermost sections first, so a section may hold another.
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(SECTION, (_whole, kind: string, name: string, body: string) => {
      const present = (values[name] ?? '') !== '';
      return (kind === '#') === present ? body : '';
    });
  }
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(`${file}: unknown template value {{${name}}} (known: ${Object.keys(values).sort().join(', ')})`);
    }
    return value;
  });
}
