/**
 * The INI dialect of the shared AWS config and credentials files, as the AWS CLI and SDKs read it:
 * `[section]` headers, `key = value` pairs, whole-line and whitespace-preceded `#`/`;` comments, and
 * nested blocks (`s3 =` followed by indented `key = value` lines, stored as `s3.key`).
 */

/** Section name → key → value. Null-prototype objects, so `__proto__` in a file is just a name. */
export type IniDocument = Record<string, Record<string, string>>;

// A comment starts a line or follows whitespace: `url = http://x/#frag` keeps its `#frag`.
function stripComment(line: string): string {
  const m = /(^|\s)[#;]/.exec(line);
  return m ? line.slice(0, m.index) : line;
}

/** Parses INI text; malformed lines are skipped as the SDKs skip them. Keys outside a section are ignored. */
export function parseIni(text: string): IniDocument {
  const doc: IniDocument = Object.create(null) as IniDocument;
  let section: Record<string, string> | undefined;
  let nested: string | undefined;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = stripComment(raw).trim();
    if (!line) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      const name = line.slice(1, -1).trim().replace(/\s+/g, ' ');
      section = doc[name] ??= Object.create(null) as Record<string, string>;
      nested = undefined;
      continue;
    }
    if (!section) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const indented = /^\s/.test(raw);
    if (!indented) nested = undefined;
    if (value === '' && !indented) {
      // `s3 =` opens a nested block for the indented lines that follow.
      nested = key;
      continue;
    }
    section[nested ? `${nested}.${key}` : key] = value;
  }
  return doc;
}
