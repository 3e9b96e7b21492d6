/**
 * HTML shell for every webview: a strict CSP with a per-load nonce, scripts and styles only from dist/ and media/
 * via asWebviewUri, no remote resources, no eval. The page's own script then runs the ready → init handshake.
 */
import * as vscode from 'vscode';

export function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars.charAt(Math.floor(Math.random() * chars.length));
  return s;
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
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}'`,
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
