/**
 * The engine process entry (dist/engine.js). The extension starts it through vscode-languageclient with
 * `--node-ipc`; createConnection(ProposedFeatures.all) picks the transport from the command line. The backend comes
 * from DEEP_THINKING_BACKEND (the `deepThinking.engine.backend` setting, passed by the client).
 *
 * An uncaught exception ends the process on purpose: the client notices, restarts the engine and tells the user,
 * which beats limping on with tensors in an unknown state.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { backendFromEnv } from './tf';

const connection = createConnection(ProposedFeatures.all);
let backend;
try {
  backend = backendFromEnv();
} catch (e) {
  connection.console.error(String(e instanceof Error ? e.message : e));
  backend = 'auto' as const;
}
const server = startServer(connection, { backend });

process.on('uncaughtException', (e) => {
  // stderr reaches the client's output channel even when the connection is gone.
  process.stderr.write(`deep-thinking engine: uncaught exception: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  server.log('error', `unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
});
connection.onShutdown(() => server.dispose());
connection.listen();
