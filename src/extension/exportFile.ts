/**
 * Saving what a webview exports (a PNG of a maze frame or a chart, a CSV of curves): the page sends the bytes, the
 * host asks where to put them and writes them atomically (a temp file renamed into place), so a failed write never
 * leaves half a file where the user's was. Overwriting is VS Code's own save dialog's decision (it asks).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportRequest } from '../shared/protocol/webview/exportFile';

const FILTERS: Record<ExportRequest['mime'], Record<string, string[]>> = {
  'image/png': { 'PNG image': ['png'] },
  'image/gif': { 'GIF animation': ['gif'] },
  'text/csv': { 'CSV table': ['csv'] },
};

/** Ask for a file name (next to `near` when given) and write the export; undefined when the user cancelled. */
export async function saveExport(req: ExportRequest, near?: vscode.Uri): Promise<string | undefined> {
  const folder = near ? vscode.Uri.joinPath(near, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, req.name) : undefined,
    filters: FILTERS[req.mime],
    title: `Export ${req.name}`,
  });
  if (!uri) return undefined;
  const bytes = Buffer.from(req.data, 'base64');
  if (uri.scheme === 'file') {
    const tmp = path.join(path.dirname(uri.fsPath), `.${path.basename(uri.fsPath)}.${process.pid}.tmp`);
    try {
      await fs.writeFile(tmp, bytes);
      await fs.rename(tmp, uri.fsPath);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw new Error(`Could not write ${uri.fsPath}: ${(e as Error).message}`);
    }
  } else await vscode.workspace.fs.writeFile(uri, bytes);
  return uri.toString(true);
}
