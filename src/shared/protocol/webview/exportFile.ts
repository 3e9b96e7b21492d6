/**
 * The export request that the maze editor and the side panel share: the page renders the bytes (a canvas PNG, a
 * solve's animated GIF, a CSV text) and the host saves them where the user chooses (src/extension/exportFile.ts).
 */
export interface ExportRequest {
  /** suggested file name, e.g. "maze-13-iteration-21.png" */
  name: string;
  mime: 'image/png' | 'image/gif' | 'text/csv';
  /** the file's bytes, base64 */
  data: string;
}

/** Largest export accepted from a page (base64 characters): a 4k PNG or a big CSV fits. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

/** Validation (pure; unit-tested): an error naming the field, or undefined. */
export function checkExport(v: unknown, path: string): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${path} must be an object`;
  const o = v as Record<string, unknown>;
  if (typeof o.name !== 'string' || !/^[\w.() ×-]{1,120}$/.test(o.name)) return `${path}.name must be a plain file name (letters, digits, . _ - ( ) ×)`;
  if (o.mime !== 'image/png' && o.mime !== 'image/gif' && o.mime !== 'text/csv') return `${path}.mime must be image/png, image/gif or text/csv`;
  if (typeof o.data !== 'string' || o.data.length === 0 || o.data.length > MAX_EXPORT_CHARS || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.data)) {
    return `${path}.data must be base64 (at most ${MAX_EXPORT_CHARS} characters)`;
  }
  return undefined;
}
