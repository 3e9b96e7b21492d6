// Extension-host tests for Deep Thinking Lab, run inside real VS Code by test/vscode/run.sh.
// The workspace is a fresh copy of test/vscode/workspace (maze-13.maze, tiny.maze, bad.maze).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { describe, it } from 'mocha';

const EXTENSION_ID = 'deep-thinking-lab.deep-thinking-lab';
const MAZE_EDITOR = 'deepThinking.mazeEditor';

function workspaceUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

describe('Deep Thinking Lab in the extension host', () => {
  it('is installed and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('opens a .maze file in the maze custom editor by default', async () => {
    await vscode.commands.executeCommand('vscode.open', workspaceUri('maze-13.maze'));
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab, 'an editor tab is active');
    assert.ok(tab.input instanceof vscode.TabInputCustom, `active tab is a custom editor, not ${tab.input?.constructor?.name}`);
    assert.strictEqual(tab.input.viewType, MAZE_EDITOR);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
