/**
 * scripts/build-native.sh's choice of libtorch: TORCH_DIR first, then a Python install of PyTorch, then Debian's.
 * Each case points the script at a libtorch without headers, so it stops at its check (exit 0, "skipped — …",
 * naming what it chose) before compiling anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoPath } from '../repo';

const script = repoPath('scripts/build-native.sh');

function run(env: Record<string, string | undefined>): { status: number | null; stderr: string; stdout: string } {
  const clean = { ...process.env };
  for (const k of ['TORCH_DIR', 'TORCH_INCLUDE', 'TORCH_LIB', 'TORCH_CXX11_ABI', 'TORCH_CXX_STD', 'PYTHON']) delete clean[k];
  const r = spawnSync('bash', [script], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** A stand-in python3 that answers the script's question as an install of PyTorch at `pkg` would. */
function fakePython(dir: string, pkg: string): string {
  const file = path.join(dir, 'python3');
  fs.writeFileSync(file, `#!/bin/sh\necho '${pkg}'\necho 0\necho 9.9.0+fake\n`, { mode: 0o755 });
  return file;
}

test('TORCH_DIR wins over PyTorch and Debian; a missing one is named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-torchdir-'));
  try {
    const python = fakePython(dir, path.join(dir, 'torchpkg'));
    const r = run({ TORCH_DIR: dir, PYTHON: python });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /skipped — libtorch headers not found at .*dt-torchdir-.*\/include\/ATen \(TORCH_DIR/);
    const gone = run({ TORCH_DIR: path.join(dir, 'nope') });
    assert.equal(gone.status, 0);
    assert.match(gone.stderr, /TORCH_DIR=.*nope is not a directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without TORCH_DIR a Python install of PyTorch comes before Debian: its include/ and lib/', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-pytorch-'));
  try {
    const pkg = path.join(dir, 'site-packages', 'torch');
    fs.mkdirSync(pkg, { recursive: true });
    const r = run({ PYTHON: fakePython(dir, pkg) });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stderr.includes(`libtorch headers not found at ${pkg}/include/ATen (PyTorch 9.9.0+fake`), r.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without TORCH_DIR or PyTorch it is Debian\'s libtorch-dev', () => {
  if (!fs.existsSync('/usr/include/ATen/ATen.h')) {
    const r = run({ PYTHON: '/nonexistent/python3' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\(Debian libtorch-dev; apt-get install libtorch-dev/);
    return;
  }
  // libtorch-dev is installed, so the script would go on and compile (minutes): run its discovery part only, up to
  // the line that reports the choice.
  const dry = spawnSync('bash', ['-c', `sed -n '1,/^echo "build-native: libtorch from/p' ${JSON.stringify(script)} | bash`], {
    encoding: 'utf8',
    env: { ...process.env, TORCH_DIR: '', TORCH_INCLUDE: '', TORCH_LIB: '', TORCH_CXX11_ABI: '', TORCH_CXX_STD: '', PYTHON: '/nonexistent/python3' },
  });
  assert.match(dry.stdout, /libtorch from Debian libtorch-dev: \/usr\/lib\/\S+ \(C\+\+ ABI 1, c\+\+17, CUDA: no\)/, dry.stdout + dry.stderr);
});
