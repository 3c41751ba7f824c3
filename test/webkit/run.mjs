// `npm run test:webkit`. Node 20 cannot run TypeScript; Vite, already here to
// serve the test pages, compiles the runner on the fly.
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const { module } = await runnerImport(fileURLToPath(new URL('./runner.ts', import.meta.url)));
const exitCode = await module.runWebKitSuite();
// Exit now: a keep-alive socket to the stopped driver must not hold the run open.
process.exit(exitCode);
