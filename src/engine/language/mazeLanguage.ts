/**
 * The engine as the language server for `.maze` documents (docs/design.md, Runtimes): diagnostics in the Problems panel (ragged
 * rows, unknown characters, missing or duplicate S/G, goal unreachable) and a hover naming the unit under the cursor.
 * The parsing and the messages are src/shared/maze/mazeFormat's, the same ones the custom editor shows, so the Problems
 * panel and the editor never disagree.
 */
import {
  DiagnosticSeverity,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type Hover,
  type ServerCapabilities,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseMazeDocument, type MazeDiagnostic } from '../../shared/maze/mazeFormat';

export const MAZE_LANGUAGE_ID = 'maze';
/** Validation waits this long after the last keystroke (an 801×801 maze takes ~20 ms to parse and BFS). */
const DEBOUNCE_MS = 150;

const SEVERITY: Record<MazeDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** 1-based (line, column, exclusive endColumn) → 0-based LSP range. */
export function toLspDiagnostic(d: MazeDiagnostic): Diagnostic {
  const line = d.line - 1;
  const start = d.column - 1;
  return {
    range: { start: { line, character: start }, end: { line, character: Math.max(start + 1, (d.endColumn ?? d.column + 1) - 1) } },
    severity: SEVERITY[d.severity],
    source: 'maze',
    message: d.message,
  };
}

export function mazeDiagnostics(text: string): Diagnostic[] {
  return parseMazeDocument(text).diagnostics.map(toLspDiagnostic);
}

const UNIT_NAMES: Record<string, string> = { '#': 'wall', '.': 'open', ' ': 'open', S: 'start (S)', G: 'goal (G)' };

/** Hover text for the character at a 0-based position, or undefined outside the grid. */
export function mazeHover(text: string, line: number, character: number): string | undefined {
  const doc = parseMazeDocument(text);
  const row = doc.rowLines.indexOf(line + 1);
  if (row < 0) return undefined;
  const lineText = text.split(/\r\n|\n|\r/)[line] ?? '';
  const ch = lineText[character];
  if (ch === undefined) return undefined;
  const what = UNIT_NAMES[ch] ?? `unknown character '${ch}'`;
  const size = doc.grid ? ` of ${doc.grid.rows}×${doc.grid.cols}` : '';
  return `Maze unit row ${row + 1}, column ${character + 1}${size}: ${what}`;
}

export const mazeCapabilities: ServerCapabilities = {
  textDocumentSync: TextDocumentSyncKind.Incremental,
  hoverProvider: true,
};

/** Wire `.maze` diagnostics and hovers into a connection. Returns the document manager (for tests). */
export function registerMazeLanguage(connection: Connection): TextDocuments<TextDocument> {
  const documents = new TextDocuments(TextDocument);
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const validate = (doc: TextDocument) => {
    if (doc.languageId !== MAZE_LANGUAGE_ID) return;
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: mazeDiagnostics(doc.getText()) });
  };
  const schedule = (doc: TextDocument, delay: number) => {
    clearTimeout(timers.get(doc.uri));
    timers.set(doc.uri, setTimeout(() => {
      timers.delete(doc.uri);
      // The document may have been closed meanwhile.
      const current = documents.get(doc.uri);
      if (current) validate(current);
    }, delay));
  };

  documents.onDidOpen((e) => schedule(e.document, 0));
  documents.onDidChangeContent((e) => schedule(e.document, DEBOUNCE_MS));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    // Clear the Problems entries of a closed file.
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  connection.onHover((params): Hover | null => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc || doc.languageId !== MAZE_LANGUAGE_ID) return null;
    const text = mazeHover(doc.getText(), params.position.line, params.position.character);
    return text ? { contents: { kind: 'plaintext', value: text } } : null;
  });
  documents.listen(connection);
  return documents;
}
