// `npm run test:pack`: the published package, checked from the outside. Packs
// this checkout, looks at what the tarball holds, installs it into a fresh
// project and loads it there with require() and with import, then runs
// @arethetypeswrong/cli on the same tarball. Needs `npm run build` first.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createChecks } from './checks.mjs';
import { installPackedPackage, repoRoot } from './packed-package.mjs';

const run = promisify(execFile);
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const { check, finish } = createChecks('pack');

/** What may be published: the build, its declarations and maps, and the files npm always adds. */
const ALLOWED = [/^dist\/.+\.(js|js\.map|d\.ts)$/, /^package\.json$/, /^README\.md$/, /^LICENSE$/];
const REQUIRED = ['package.json', 'README.md', 'LICENSE'];

/** A trace stored and read back on the memory backend, printed as JSON. Shared by the two module systems. */
const STORE_AND_READ = `
  const buffer = lib.createTraceBuffer({ name: 'packed', storage: 'memory' });
  const stored = await buffer.storeTrace({ inferenceId: 'packed-1', output: 'ok' }, { model: 'm' }, 'pipeline-1');
  const traces = await buffer.getBufferedTraces();
  const { backend } = await buffer.getBufferStatus();
  await buffer.close();
  const read = traces.map((t) => [t.traceData.inferenceId, t.config.model, t.inferencePipelineId]);
`;

const installed = installPackedPackage({ link: ['@opentelemetry/api'] });
const files = installed.files.map((file) => file.path);
console.log(`${path.basename(installed.tarball)}: ${files.length} files, installed in ${installed.dir}`);

try {
  await check('the tarball holds README, LICENSE, package.json, and the code and declarations of every entry', () => {
    const wanted = [...REQUIRED];
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue;
      if (Object.keys(target)[0] !== 'types') throw new Error(`exports["${entry}"]: "types" must come first`);
      for (const condition of ['types', 'import', 'default']) {
        if (!target[condition]) throw new Error(`exports["${entry}"] has no "${condition}" condition`);
        wanted.push(target[condition].replace(/^\.\//, ''));
      }
    }
    const missing = [...new Set(wanted)].filter((file) => !files.includes(file));
    if (missing.length) throw new Error(`missing from the tarball: ${missing.join(', ')}`);
  });

  await check('the tarball holds nothing else (no sources, tests, configs or logs)', () => {
    const extra = files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
    if (extra.length) throw new Error(`not meant to be published: ${extra.join(', ')}`);
  });

  await check('every relative import of its code and declarations points at a file in the tarball', () => {
    const broken = [];
    for (const file of files.filter((name) => /\.(js|d\.ts)$/.test(name))) {
      const code = readFileSync(path.join(installed.dir, 'node_modules', manifest.name, file), 'utf8');
      for (const match of code.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.posix.join(path.posix.dirname(file), match[1]);
        const candidates = file.endsWith('.d.ts') ? [target, target.replace(/\.js$/, '.d.ts')] : [target];
        if (!candidates.some((candidate) => files.includes(candidate))) broken.push(`${file} -> ${match[1]}`);
      }
    }
    if (broken.length) throw new Error(broken.join('\n'));
  });

  await check("require('offline-trace-buffer') works in CommonJS (require(esm)): store and read a trace", async () => {
    const script = `
      const lib = require('offline-trace-buffer');
      for (const entry of ['backend', 'worker', 'otel', 'service-worker']) require('offline-trace-buffer/' + entry);
      const resolved = require.resolve('offline-trace-buffer');
      (async () => {
        ${STORE_AND_READ}
        console.log(JSON.stringify({ resolved, stored, backend, read }));
      })().catch((error) => { console.error(error); process.exit(1); });
    `;
    await expectStoredAndRead(['-e', script]);
  });

  await check('import from ES modules works, and require() gives the same module instance', async () => {
    const script = `
      import { createRequire } from 'node:module';
      import * as lib from 'offline-trace-buffer';
      import * as backendEntry from 'offline-trace-buffer/backend';
      await import('offline-trace-buffer/worker');
      await import('offline-trace-buffer/otel');
      await import('offline-trace-buffer/service-worker');
      const require = createRequire(import.meta.url);
      if (require('offline-trace-buffer') !== lib) throw new Error('require() and import gave two copies of the package');
      if (typeof backendEntry.memoryBackend !== 'function') throw new Error('the backend entry has no memoryBackend');
      const resolved = import.meta.resolve('offline-trace-buffer').replace('file://', '');
      ${STORE_AND_READ}
      console.log(JSON.stringify({ resolved, stored, backend, read }));
    `;
    await expectStoredAndRead(['--input-type=module', '-e', script]);
  });

  await check(
    'the backend contract runs from ./backend under node:test: passes on memoryBackend, fails on a broken one',
    async () => {
      // The README's example for backend authors, with the memory backend as "theirs".
      const suite = (backend) => `
      import { test } from 'node:test';
      import { applicableCases, memoryBackend } from 'offline-trace-buffer/backend';
      const factory = { open: () => ${backend}, shared: false, persistent: false };
      const { run, skipped } = applicableCases(factory);
      for (const testCase of run) test(testCase.name, () => testCase.run(factory, 'contract-' + crypto.randomUUID()));
      for (const { name, why } of skipped) test(name, { skip: why }, () => {});
    `;
      const good = await runNodeTest(suite('memoryBackend()'));
      if (good.code || good.pass < 10 || good.fail !== 0) throw new Error(`memoryBackend: ${good.summary}`);
      // remove() that claims every id it was given breaks the contract: the suite must say so.
      const broken = '({ ...memoryBackend(), remove: async (ids) => [...ids] })';
      const bad = await runNodeTest(suite(broken));
      if (!bad.code || bad.fail === 0) throw new Error(`a broken remove() passed the contract: ${bad.summary}`);
      console.log(`          memoryBackend: ${good.summary}; broken remove(): ${bad.summary}`);
    },
  );

  await check('@arethetypeswrong/cli finds no problem for ES module consumers (--profile esm-only)', async () => {
    const attw = path.join(repoRoot, 'node_modules/.bin/attw');
    const result = await run(attw, [installed.tarball, '--profile', 'esm-only', '--no-color', '--format', 'ascii'], {
      cwd: repoRoot,
    }).catch((error) => error);
    console.log(result.stdout.replace(/^/gm, '          ').trimEnd());
    if (result.code) throw new Error(`attw exited with ${result.code}\n${result.stderr}`);
  });
} finally {
  installed.remove();
}
finish();

/** Runs one ES module under `node --test` in the installed project; counts from its TAP summary. */
async function runNodeTest(source) {
  const file = path.join(installed.dir, `contract-${Math.random().toString(36).slice(2)}.test.mjs`);
  writeFileSync(file, source);
  const result = await run(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: installed.dir }).catch(
    (error) => error,
  );
  const count = (label) => Number(new RegExp(`^# ${label} (\\d+)`, 'm').exec(result.stdout)?.[1] ?? NaN);
  const [pass, fail, skipped] = [count('pass'), count('fail'), count('skipped')];
  return { code: result.code ?? 0, pass, fail, summary: `${pass} passed, ${fail} failed, ${skipped} skipped` };
}

async function expectStoredAndRead(args) {
  const { stdout, stderr } = await run(process.execPath, args, { cwd: installed.dir });
  // A warning here (an ExperimentalWarning for require(esm), say) would print in every user's app.
  if (stderr.trim()) throw new Error(`printed to stderr:\n${stderr}`);
  const result = JSON.parse(stdout.trim());
  const expected = { stored: true, backend: 'memory', read: [['packed-1', 'm', 'pipeline-1']] };
  const actual = { stored: result.stored, backend: result.backend, read: result.read };
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
  if (!result.resolved.startsWith(path.join(installed.dir, 'node_modules'))) {
    throw new Error(`resolved to ${result.resolved}, not to the installed tarball`);
  }
}
