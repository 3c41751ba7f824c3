// `npm run test:consumers`: the published declarations, typechecked as three
// kinds of users compile them. Each project under consumers/ has its own
// tsconfig (strict, skipLibCheck false, so the package's .d.ts files are
// checked too) and imports the package by name; it is copied next to a fresh
// install of the packed tarball, so `offline-trace-buffer` resolves through
// the exports map to what npm would install. Needs `npm run build` first.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createChecks } from './checks.mjs';
import { installPackedPackage, repoRoot } from './packed-package.mjs';

const run = promisify(execFile);
const consumersDir = fileURLToPath(new URL('./consumers', import.meta.url));
const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');

/** Each consumer, what it stands for, and the packages of this checkout it compiles against. */
const CONSUMERS = [
  {
    name: 'browser-app',
    what: 'a bundled page, worker and service worker (lib DOM; ., ./worker, ./otel, ./service-worker)',
    link: ['@opentelemetry/api', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/sdk-trace'],
  },
  {
    name: 'node-server',
    what: 'a Node server (types node, lib ES2022, no DOM; nodenext; ., ./backend, ESM and CommonJS)',
    link: ['@types/node'],
  },
  {
    name: 'browser-app-otel2',
    what: 'a bundled page on the OpenTelemetry 2.x SDK line (lib DOM; ., ./otel with sdk-trace-web 2.12.0, api 1.9.1)',
    link: [],
    // Its own node_modules, nearer than the shared one: the 2.x line from test/otel2, and a
    // copy of the package, so that its declarations too resolve @opentelemetry/api to 1.9.1.
    ownLine: {
      from: 'test/otel2/node_modules',
      link: ['@opentelemetry/api', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/sdk-trace-web'],
    },
  },
  {
    name: 'edge-worker',
    what: 'a Cloudflare Worker (@cloudflare/workers-types, lib ES2022, no DOM, no Node types; .)',
    link: ['@cloudflare/workers-types'],
  },
];

const { check, finish } = createChecks('consumers');
const installed = installPackedPackage({ link: [...new Set(CONSUMERS.flatMap((consumer) => consumer.link))] });
try {
  // Started together (tsc spends most of its time on the type packages), reported in order.
  const runs = CONSUMERS.map((consumer) => {
    const dir = path.join(installed.dir, 'consumers', consumer.name);
    cpSync(path.join(consumersDir, consumer.name), dir, { recursive: true });
    if (consumer.ownLine) giveOwnLine(dir, consumer.ownLine);
    return run(process.execPath, [tsc, '-p', dir, '--noEmit', '--pretty', 'false'], { cwd: dir }).catch(
      (error) => error,
    );
  });
  for (const [index, consumer] of CONSUMERS.entries()) {
    await check(`${consumer.name} typechecks: ${consumer.what}`, async () => {
      const result = await runs[index];
      if (result.code) {
        // Paths relative to the temporary project, which is gone afterwards.
        throw new Error(result.stdout.replaceAll(`${installed.dir}/`, '').trimEnd() || result.stderr);
      }
    });
  }
} finally {
  installed.remove();
}
finish();

/** Links `line.link` from `line.from` into the consumer's own node_modules, beside a copy of the package. */
function giveOwnLine(dir, line) {
  const modules = path.join(dir, 'node_modules');
  // A copy, not a link: a link's real path would resolve its imports from the shared node_modules.
  cpSync(path.join(installed.dir, 'node_modules/offline-trace-buffer'), path.join(modules, 'offline-trace-buffer'), {
    recursive: true,
  });
  for (const name of line.link) {
    const target = path.join(repoRoot, line.from, name);
    if (!existsSync(target)) throw new Error(`${name} is not installed in ${line.from} (npm ci)`);
    mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    symlinkSync(target, path.join(modules, name), 'dir');
  }
}
