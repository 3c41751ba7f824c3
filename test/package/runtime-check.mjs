// `npm run test:runtimes`: the packed package, installed as a user installs
// it, run in each server and edge runtime the README lists, every runtime
// from this checkout's devDependencies (so `npm ci` installs them): Node
// (this process's), Bun, Deno, Vercel's edge-runtime and Cloudflare's workerd
// through Miniflare. Each delivers to a real HTTP collector on 127.0.0.1.
// Outside CI a missing runtime is left out with a warning; with CI=true it fails.
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChecks } from './checks.mjs';
import { installPackedPackage, repoRoot } from './packed-package.mjs';
import { startRuntimeCollector } from './runtimes/collector.mjs';
import { bundleFor, expectEqual, runProcess } from './runtimes/tools.mjs';

const scenarios = fileURLToPath(new URL('./runtimes', import.meta.url));
const bin = (name) => path.join(repoRoot, 'node_modules/.bin', name);
const requireHere = createRequire(path.join(repoRoot, 'package.json'));
const versionOf = (name) => JSON.parse(readFileSync(requireHere.resolve(`${name}/package.json`), 'utf8')).version;

/** How each server runtime runs a script of the consumer project. */
const SERVERS = {
  node: { command: process.execPath, args: [], version: () => process.versions.node },
  bun: { command: bin('bun'), args: [], version: () => versionOf('bun') },
  deno: {
    command: bin('deno'),
    // Deno reads the package from node_modules (there is a package.json), so it fetches nothing.
    args: ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', '--allow-read', '--allow-env'],
    version: () => versionOf('deno'),
  },
};

const { check, skip, finish } = createChecks('runtimes');
const installed = installPackedPackage();
const collector = await startRuntimeCollector();
const consumer = path.join(installed.dir, 'runtimes');
cpSync(scenarios, consumer, { recursive: true });
mkdirSync(path.join(installed.dir, '.deno'), { recursive: true });
const env = { ...process.env, DENO_DIR: path.join(installed.dir, '.deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

/** Runs a case of runtimes/server.mjs; resolves with its exit code and the JSON lines it printed. */
const serverCase = (runtime, kind, tag) =>
  runProcess(
    SERVERS[runtime].command,
    [...SERVERS[runtime].args, 'runtimes/server.mjs', kind, collector.url(kind === 'exit-unsent' ? 'fail' : tag), tag],
    {
      cwd: installed.dir,
      env,
    },
  );

/** True when the runtime is installed; otherwise a skip outside CI and a failure under CI=true. */
async function available(runtime, command) {
  if (runtime === 'node' || existsSync(command)) return true;
  const reason = `${command} is missing: run npm ci`;
  if (process.env.CI === 'true') await check(`${runtime} is installed`, () => Promise.reject(new Error(reason)));
  else skip(`${runtime}: every case`, reason);
  return false;
}

try {
  for (const runtime of Object.keys(SERVERS)) {
    if (!(await available(runtime, SERVERS[runtime].command))) continue;
    const name = `${runtime} ${SERVERS[runtime].version()}`;
    await check(`${name}: store, status (memory, fallbackReason), replay to a real server, empty after`, async () => {
      const { lines } = await serverCase(runtime, 'round-trip', runtime);
      expectRoundTrip(lines[0], collector.received(runtime), runtime);
    });
    await check(
      `${name}: a buffer left open with nothing unsent lets the process exit, without a warning`,
      async () => {
        const { code, lines } = await serverCase(runtime, 'exit-delivered', `${runtime}-delivered`);
        expectEqual(
          { code, lines: lines.length, warned: lines.some((line) => line.warned) },
          { code: 0, lines: 1, warned: false },
        );
      },
    );
    await check(
      `${name}: a buffer left open with traces unsent exits and warns once (UNSENT_AT_EXIT, count 2)`,
      async () => {
        const { code, lines } = await serverCase(runtime, 'exit-unsent', `${runtime}-unsent`);
        expectEqual(
          { code, warned: lines.filter((line) => line.warned).map((line) => line.warned) },
          {
            code: 0,
            warned: [[{ code: 'UNSENT_AT_EXIT', count: 2 }]],
          },
        );
      },
    );
    await check(`${name}: replay then close() before exit delivers everything and warns of nothing`, async () => {
      const { code, lines } = await serverCase(runtime, 'exit-drained', `${runtime}-drained`);
      expectEqual(
        { code, lines: lines.length, received: collector.received(`${runtime}-drained`) },
        {
          code: 0,
          lines: 1,
          received: [`${runtime}-drained-1`, `${runtime}-drained-2`],
        },
      );
    });
  }

  if (await available('edge-runtime', bin('edge-runtime'))) {
    await check(
      `edge-runtime ${versionOf('edge-runtime')}: the round trip inside a fetch event; with send, replay is manual`,
      async () => {
        const { EdgeRuntime } = requireHere('edge-runtime');
        const runtime = new EdgeRuntime({ initialCode: await bundleFor(installed.dir, 'edge.mjs', 'iife') });
        const response = await runtime.dispatchFetch(
          `http://edge.test/?collector=${encodeURIComponent(collector.url('edge-runtime'))}`,
        );
        const { withSend, ...facts } = await response.json();
        expectEqual(withSend, { autoReplay: false, manual: 'string' });
        expectRoundTrip(facts, collector.received('edge-runtime'), 'edge-runtime');
      },
    );
  }

  if (await available('miniflare', bin('miniflare'))) await workerdChecks();
} finally {
  await collector.close();
  installed.remove();
}
finish();

/** One Worker (runtimes/worker.mjs) in one Miniflare: its buffer at module scope serves every request. */
async function workerdChecks() {
  const { Miniflare } = await import(requireHere.resolve('miniflare'));
  const name = `workerd ${versionOf('workerd')} (miniflare ${versionOf('miniflare')})`;
  let worker;
  let started = false;
  await check(
    `${name}: a Worker that creates its buffer at module scope starts (no random value, timer or I/O there)`,
    async () => {
      worker = new Miniflare({
        modules: true,
        script: await bundleFor(installed.dir, 'worker.mjs', 'es'),
        compatibilityDate: '2026-07-01',
        bindings: { COLLECTOR_URL: collector.url('').replace(/\/$/, '') },
      });
      await worker.ready;
      started = true;
    },
  );
  if (!started) {
    await worker?.dispose().catch(() => undefined); // it never started: what went wrong is reported above
    return;
  }
  const get = async (route) => (await worker.dispatchFetch(`http://worker.test${route}`)).json();
  try {
    await check(`${name}: the round trip inside one request`, async () => {
      expectRoundTrip(await get('/round-trip?id=workerd'), collector.received('workerd'), 'workerd');
    });
    for (const [route, what] of [
      ['isolate', 'the module-scope buffer'],
      ['kept', 'a buffer made in request 1 and kept'],
    ]) {
      await check(`${name}: ${what} replays in each request that asks, each trace sent once`, async () => {
        const seen = [];
        for (const id of ['req-1', 'req-2', 'req-3']) seen.push(await get(`/${route}?id=${id}`));
        expectEqual(
          seen.map(({ replayError, errors, status }) => ({
            replayError,
            errors,
            total: status.totalTraces,
            lastError: status.lastError,
          })),
          [1, 2, 3].map(() => ({ replayError: null, errors: [], total: 0, lastError: null })),
        );
        expectEqual(collector.received(route), ['req-1', 'req-2', 'req-3']);
      });
    }
    await check(`${name}: the status says replay is manual there, and why`, async () => {
      const { status } = await get('/status');
      expectEqual(
        { autoReplay: status.autoReplay, manual: typeof status.manualReplayReason },
        { autoReplay: false, manual: 'string' },
      );
    });
    await check(`${name}: concurrent requests, each replaying in ctx.waitUntil, deliver each trace once`, async () => {
      const ids = ['wu-1', 'wu-2', 'wu-3', 'wu-4'];
      await Promise.all(ids.map((id) => get(`/isolate-wait-until?id=${id}`)));
      const { errors, status } = await get('/isolate?id=wu-5');
      expectEqual({ errors, total: status.totalTraces }, { errors: [], total: 0 });
      expectEqual(
        collector
          .received('isolate')
          .filter((id) => id.startsWith('wu-'))
          .sort(),
        [...ids, 'wu-5'],
      );
    });
    await check(`${name}: a buffer per request, drained with ctx.waitUntil after the response`, async () => {
      for (const id of ['pr-1', 'pr-2']) await worker.dispatchFetch(`http://worker.test/per-request?id=${id}`);
      await collector.waitFor('per-request', 2);
      expectEqual(collector.received('per-request'), ['pr-1', 'pr-2']);
    });
  } finally {
    await worker.dispose();
  }
}

function expectRoundTrip(facts, received, tag) {
  expectEqual(facts, {
    stored: [true, true],
    before: {
      backend: 'memory',
      fallbackReason: 'IndexedDB is not available in this environment',
      totalTraces: 2,
      lastError: null,
      autoReplay: false,
      manualReplayReason: null,
    },
    replayed: 2,
    failed: 0,
    after: { ...facts.before, totalTraces: 0 },
    left: 0,
    errors: [],
  });
  expectEqual(received, [`${tag}-1`, `${tag}-2`]);
}
