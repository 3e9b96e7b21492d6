// One CSV line → fields (RFC 4180 quoting within a line). Pure TS, shared by the engine's dataset reader and the
// extension's chess panel, which must not import engine modules.

/** Split one CSV line into fields. Throws SyntaxError (with the 1-based character position) on bad quoting. */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new SyntaxError(`unterminated quoted field (quotes spanning lines are not supported)`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new SyntaxError(`character ${i + 1}: expected ',' after a quoted field`);
      fields.push(value);
    } else {
      const end = line.indexOf(',', i);
      const stop = end === -1 ? line.length : end;
      fields.push(line.slice(i, stop));
      i = stop;
    }
    if (i >= line.length) return fields;
    i++; // skip the comma
  }
}
