/**
 * Typed access to the `deepThinking.*` settings (contributed in package.json). Reading goes through one place so a
 * renamed key or a bad value (a string where a number belongs, from a hand-edited settings.json) is handled once.
 */
import * as vscode from 'vscode';
import { normalizeSettings, type Settings } from './settingsModel';

export type { Settings, Backend, Device } from './settingsModel';

export const SECTION = 'deepThinking';

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return normalizeSettings({
    nodePath: c.get('engine.nodePath'),
    backend: c.get('engine.backend'),
    device: c.get('engine.device'),
    maxFps: c.get('solve.maxFps'),
    iterations: c.get('solve.iterations'),
    maxFrameCells: c.get('solve.maxFrameCells'),
    frameMemoryMB: c.get('solve.frameMemoryMB'),
    trainEpochs: c.get('train.epochs'),
  });
}

/** Fires `fn` when any deepThinking setting changes. */
export function onSettingsChange(fn: (e: vscode.ConfigurationChangeEvent) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(SECTION)) fn(e);
  });
}
