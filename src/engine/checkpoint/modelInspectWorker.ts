/**
 * worker_threads entry: reads one model's metadata per message ({ id, path, origin } → { id, meta } or
 * { id, error }). Model lists inspect files here, so a slow or hostile file delays only its own entry and never
 * the engine's request loop (the parent gives each file a time budget and terminates a worker that overruns it).
 */
import { parentPort } from 'node:worker_threads';
import { metaFromPth } from './modelSpecs';
import { readCheckpointMeta } from './store';
import { inspectPth } from './importPth';

const port = parentPort;
if (!port) throw new Error('modelInspectWorker must run as a worker thread');
port.on('message', (msg: { id: number; path: string; origin: 'checkpoint' | 'pth' }) => {
  void (async () => {
    try {
      const meta = msg.origin === 'pth' ? metaFromPth(await inspectPth(msg.path)) : await readCheckpointMeta(msg.path);
      port.postMessage({ id: msg.id, meta });
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
