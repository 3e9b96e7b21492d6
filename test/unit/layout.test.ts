// The runtime boundaries of the code base (docs/design.md, "Layout"), checked on the import graph of src/ and
// webview/: no import cycles; the engine never imports vscode; the extension never imports tfjs or the engine; pages
// import neither; src/shared imports only itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Import specifiers of a TypeScript file, type-only imports included (they still couple the layers). */
export function importSpecifiers(source: string): string[] {
  const re = /(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...source.matchAll(re)].map((m) => m[1]);
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return ['', '.ts', '/index.ts'].map((e) => base + e).find((p) => existsSync(p) && statSync(p).isFile());
}

interface Graph {
  files: string[];
  internal: Map<string, string[]>;
  external: Map<string, string[]>;
}

function importGraph(): Graph {
  const files = ['src', 'webview'].flatMap((d) => walk(join(ROOT, d)));
  const internal = new Map<string, string[]>();
  const external = new Map<string, string[]>();
  for (const f of files) {
    const specs = importSpecifiers(readFileSync(f, 'utf8'));
    internal.set(f, specs.filter((s) => s.startsWith('.')).map((s) => resolveRelative(f, s)).filter((p): p is string => !!p));
    external.set(f, specs.filter((s) => !s.startsWith('.')));
  }
  return { files, internal, external };
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const graph = importGraph();
const rel = (p: string) => relative(ROOT, p);
const under = (p: string, dir: string) => rel(p).startsWith(dir + '/');

test('the cycle finder finds a cycle and accepts a DAG', () => {
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]])), []);
  const found = cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]));
  assert.equal(found.length, 1);
  assert.deepEqual([...found[0]].sort(), ['a', 'b', 'c']);
  assert.equal(cycles(new Map([['a', ['a']]])).length, 1);
});

test('no import cycles in src/ and webview/', () => {
  assert.ok(graph.files.length > 50, 'the walk found the sources');
  const found = cycles(graph.internal).map((c) => c.map(rel).sort().join(' <-> '));
  assert.deepEqual(found, []);
});

test('runtime boundaries: engine without vscode, extension without tfjs or engine, pages without either', () => {
  const violations: string[] = [];
  for (const f of graph.files) {
    const ext = graph.external.get(f)!;
    const int = graph.internal.get(f)!;
    const bad = (why: string) => violations.push(`${rel(f)}: ${why}`);
    if (under(f, 'src/engine')) {
      if (ext.includes('vscode')) bad('engine imports vscode');
      for (const t of int) if (under(t, 'src/extension') || under(t, 'webview')) bad(`engine imports ${rel(t)}`);
    }
    if (under(f, 'src/extension')) {
      for (const s of ext) if (s.startsWith('@tensorflow/') || s === 'onnxruntime-node') bad(`extension imports ${s}`);
      for (const t of int) if (under(t, 'src/engine') || under(t, 'webview')) bad(`extension imports ${rel(t)}`);
    }
    if (under(f, 'webview')) {
      for (const s of ext) if (s === 'vscode' || s.startsWith('@tensorflow/')) bad(`page imports ${s}`);
      for (const t of int) if (under(t, 'src/engine') || under(t, 'src/extension')) bad(`page imports ${rel(t)}`);
    }
    if (under(f, 'src/shared')) {
      for (const t of int) if (!under(t, 'src/shared')) bad(`shared imports ${rel(t)}`);
      for (const s of ext) if (s === 'vscode' || s.startsWith('@tensorflow/')) bad(`shared imports ${s}`);
    }
  }
  assert.deepEqual(violations, []);
});
