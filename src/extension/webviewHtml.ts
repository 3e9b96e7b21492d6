/**
 * HTML shell for every webview: a strict CSP with a per-load nonce, scripts and styles only from dist/ and media/
 * via asWebviewUri, no inline styles, no remote resources, no eval, no <base> and no form targets. The page's own script then runs the ready → init handshake.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** A per-load CSP nonce: 128 bits from the OS's CSPRNG (Math.random is predictable). */
export function nonce(): string {
  return randomBytes(16).toString('base64');
}

/** localResourceRoots limited to the extension's media and dist folders. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
  };
}

/**
 * @param entry the webview bundle name: dist/webview/<entry>.js (+ <entry>.css when the bundle has styles)
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, entry: string, title: string): string {
  const n = nonce();
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    // Styles only from files: the pages size canvases through the CSSOM (el.style.x = …), which CSP allows, and
    // never write style attributes or <style> elements, so 'unsafe-inline' is not needed.
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('media', 'webview.css')}">
<link rel="stylesheet" href="${asset('dist', 'webview', `${entry}.css`)}">
<title>${title}</title>
</head>
<body data-entry="${entry}">
<div id="app"></div>
<script nonce="${n}" type="module" src="${asset('dist', 'webview', `${entry}.js`)}"></script>
</body>
</html>`;
}
