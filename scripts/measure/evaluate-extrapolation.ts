/**
 * Times "Evaluate Extrapolation…" at the defaults the extension offers: the engine's evaluate requests, one model
 * after another, exactly as src/extension/sidebarView.ts sends them (one model of each architecture kind, the
 * pre-picked sizes and count of EVAL_DEFAULTS, iterations 'auto'), on the real engine server (src/engine/server.ts)
 * over an in-memory JSON-RPC connection. Prints the engine's own estimate first, then each model's wall time,
 * accuracy per size and where each curve peaks, and the total.
 *
 *   npx tsx scripts/measure/evaluate-extrapolation.ts [--problem mazes] [--backend auto|torch|wasm] [--json]
 */
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createConnection } from 'vscode-languageserver/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { startServer } from '../../src/engine/server';
import { EvaluateEstimateRequest, EvaluateRequest, InfoRequest, ListModelsRequest } from '../../src/shared/protocol/engine';
import { EVAL_DEFAULTS } from '../../src/shared/protocol/webview/sidebar';
import type { ProblemId } from '../../src/shared/problems/problem';

const { values: a } = parseArgs({
  options: { problem: { type: 'string', default: 'mazes' }, backend: { type: 'string', default: 'auto' }, json: { type: 'boolean', default: false } },
});
const problem = a.problem as ProblemId;

async function main(): Promise<void> {
  const up = new PassThrough();
  const down = new PassThrough();
  const conn = createConnection(up, down);
  startServer(conn, { backend: a.backend as 'auto', modelsDir: path.resolve('media/models') });
  conn.listen();
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  client.listen();
  const info = await client.sendRequest(InfoRequest);
  const all = (await client.sendRequest(ListModelsRequest, { dirs: [] })).filter((m) => m.problem === problem && m.source === 'bundled');
  // The wizard pre-picks the selected model (the bundled one named after the problem) and one of each other kind.
  const byKind = new Map<string, (typeof all)[number]>();
  for (const m of [...all].sort((x, y) => Number(y.name === problem) - Number(x.name === problem))) {
    if (!byKind.has(m.architecture.kind)) byKind.set(m.architecture.kind, m);
  }
  const models = [...byKind.values()];
  const { picked: sizes, count } = EVAL_DEFAULTS[problem];
  const load = () => os.loadavg()[0].toFixed(2);
  const t0 = Date.now();
  let estimate = 0;
  for (const m of models) {
    estimate += (await client.sendRequest(EvaluateEstimateRequest, { model: m.spec, problem, sizes, count, iterations: 'auto' })).seconds;
  }
  const estimateMs = Date.now() - t0;
  const rows = [];
  const started = Date.now();
  for (const [i, m] of models.entries()) {
    const t = Date.now();
    const r = await client.sendRequest(EvaluateRequest, { evalId: `measure-${i}`, model: m.spec, problem, sizes, count, iterations: 'auto' });
    const curves = r.curves.map((c) => {
      const best = Math.max(...c.accuracy);
      return { size: c.size, final: c.accuracy.at(-1), best, bestAt: c.iterations[c.accuracy.indexOf(best)], last: c.iterations.at(-1) };
    });
    rows.push({ model: m.name, kind: m.architecture.kind, seconds: (Date.now() - t) / 1000, curves });
    if (!a.json) {
      console.log(`${m.name} (${m.architecture.kind}): ${((Date.now() - t) / 1000).toFixed(1)} s, load ${load()}`);
      for (const c of curves) console.log(`  n=${c.size}: ${(100 * (c.final ?? 0)).toFixed(0)} % at ${c.last}, best ${(100 * c.best).toFixed(0)} % at ${c.bestAt}`);
    }
  }
  const total = (Date.now() - started) / 1000;
  const out = { backend: info.backend, problem, sizes, count, models: rows, estimatedSeconds: estimate, estimateWallSeconds: estimateMs / 1000, totalSeconds: total, load1: Number(load()) };
  if (a.json) console.log(JSON.stringify(out));
  else console.log(`total ${total.toFixed(1)} s (estimate ${estimate.toFixed(0)} s, made in ${(estimateMs / 1000).toFixed(1)} s), backend ${info.backend}`);
  client.dispose();
  process.exit(0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
