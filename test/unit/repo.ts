// Paths inside the repository for unit tests, independent of how deep a test file sits under test/unit.
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export function repoPath(...parts: string[]): string {
  return path.join(REPO_ROOT, ...parts);
}
