// `npm run demo`: builds the demo page and serves it with its fake model and
// collector on 127.0.0.1. Plain JavaScript so Node starts it as is; the server
// itself is TypeScript, loaded through Vite (already a dev dependency).
import { fileURLToPath } from 'node:url';

const DEFAULT_PORT = 4303;
const port = process.env.PORT === undefined ? DEFAULT_PORT : Number(process.env.PORT);
const dataDir = process.env.DEMO_DATA_DIR ?? fileURLToPath(new URL('./data/', import.meta.url));

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number; got "${process.env.PORT}".`);
  process.exit(1);
}

let vite;
try {
  vite = await import('vite');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  // Never install behind the user's back: say what to run instead.
  console.error('The demo needs the dev dependencies. Run `npm ci` first, then `npm run demo`.');
  process.exit(1);
}

const entry = fileURLToPath(new URL('./server/start-demo.ts', import.meta.url));
const { module } = await vite.runnerImport(entry, { configFile: false, logLevel: 'error' });

let demo;
try {
  demo = await module.startDemo({ port, dataDir });
} catch (error) {
  if (error?.code === 'EADDRINUSE') {
    console.error(`Port ${port} is in use. Pick another: PORT=${port + 1} npm run demo`);
    process.exit(1);
  }
  throw error;
}

console.log(`offline-trace-buffer demo (built in ${demo.buildMs} ms)

  Open ${demo.url}
  Collector data: ${demo.dataFile}

Press Ctrl-C to stop.`);

let stopping = false;
const stop = (signal) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the demo.`);
  demo.close().then(
    () => process.exit(0),
    (error) => {
      console.error('Could not stop cleanly:', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
