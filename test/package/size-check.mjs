// `npm run test:size`: what the package costs an app, measured on real
// production bundles. Each scenario is a one-file app built by Vite (the
// bundler this project uses and recommends: minified, tree-shaken) against the
// packed package installed from its tarball. Counted: the JavaScript a page
// loads before it runs, i.e. the entry chunk and the chunks it imports
// statically, each gzipped (level 9, Node's zlib) as a server would send it.
// Chunks reached only through a dynamic import() load later, if ever, and are
// listed apart. The main-thread scenario has a budget; the others are printed
// for the README. Sizes only, never timings: the same build gives the same figures.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, version as viteVersion } from 'vite';
import { createChecks } from './checks.mjs';
import { installPackedPackage } from './packed-package.mjs';

/**
 * gzip bytes of library code an app that stores traces on the main thread may
 * load up front. Issue 13 aimed at 10,240 B; the build measures 16,333 B (the
 * README's "Size and packaging" says where the bytes go and what 10 KB would
 * cost), so this budget guards against growth from here. Lower it as the size falls.
 * Issue 16 added 499 B: request-scoped edges, the exit warning, the plain closing signal.
 * Issues 14 and 17 added 1,376 B: delivery paused (not deleted) on 401/403/404/3xx with
 * status.blocked, pause()/resume(), maxAgeMs expiry, status.storage and persist.
 * maxBufferBytes added 301 B (17,784 B to 18,085 B): the option and its check against
 * maxTraceBytes, the byte cap in the IndexedDB eviction loop, the status field.
 * Issue 14 added 942 B (17,784 → 18,726): a refused or too-large batch split down to the
 * rows refused on their own, retries that resend only what failed, and replayRate.
 * Issue 14 (parity) measured 18,012 B: storeTrace refusing bad input (reported, counted,
 * a dropped event) instead of rejecting, and Openlayer's callback shapes.
 * Issue 14's dead letters added 1,147 B (17,784 B -> 18,931 B measured): their store's
 * choice and existence check, the API and status fields; moving traces in and out loads later.
 * deleteTraceBuffer added 108 B (17,784 to 17,892 B): the memory registry and the store names that
 * selectBackend and the IndexedDB connection now carry; the delete itself loads on use.
 * Issue 17's compression added 1,121 B (17,784 -> 18,905 B measured): gzip through
 * CompressionStream in slices, decompression on read, the option, status.compression.
 * Issue 15 (service worker delivery) added 569 B (17,784 -> 18,353): the page side of
 * Background Sync (sync-request.ts ~246 B, platform/background-sync.ts ~196 B, status, option).
 * All of them merged measured 22,303 B (each figure above is against 17,784 B alone).
 */
const MAIN_THREAD_BUDGET_BYTES = 22_400;
const GZIP_LEVEL = 9;

const SCENARIOS = [
  {
    name: 'main',
    title: "`import { createTraceBuffer } from 'offline-trace-buffer'`, then `storeTrace`",
    budget: MAIN_THREAD_BUDGET_BYTES,
    code: `
      import { createTraceBuffer } from 'offline-trace-buffer';
      const buffer = createTraceBuffer({ name: 'size-check' });
      buffer.storeTrace({ inferenceId: 'size-check' }).then((stored) => { globalThis.sizeCheck = stored; });
    `,
  },
  {
    name: 'backend',
    title: "everything from `'offline-trace-buffer/backend'`",
    code: `
      import * as backend from 'offline-trace-buffer/backend';
      globalThis.sizeCheck = backend;
    `,
  },
  {
    name: 'worker',
    title: "`import { connectTraceBuffer } from 'offline-trace-buffer/worker'` (the page side)",
    code: `
      import { connectTraceBuffer } from 'offline-trace-buffer/worker';
      globalThis.sizeCheck = connectTraceBuffer(globalThis.traceWorker);
    `,
  },
  {
    name: 'service-worker',
    title: "`import { replayInServiceWorker } from 'offline-trace-buffer/service-worker'` (in the service worker)",
    code: `
      import { replayInServiceWorker } from 'offline-trace-buffer/service-worker';
      globalThis.sizeCheck = replayInServiceWorker;
    `,
  },
  {
    name: 'otel',
    title: "`import { bufferingSpanExporter } from 'offline-trace-buffer/otel'`",
    code: `
      import { bufferingSpanExporter } from 'offline-trace-buffer/otel';
      globalThis.sizeCheck = bufferingSpanExporter;
    `,
  },
];

const { check, finish } = createChecks('size');
const installed = installPackedPackage({ link: ['@opentelemetry/api'] });
const measured = [];
try {
  for (const scenario of SCENARIOS) measured.push({ scenario, ...(await measure(scenario)) });
} finally {
  installed.remove();
}

const bytes = (n) => `${n.toLocaleString('en-US')} B`;
console.log(
  `\nStatic JavaScript per entry (Vite ${viteVersion} production build, gzip -${GZIP_LEVEL}, Node's zlib):\n`,
);
console.log('| an app that uses | minified | gzip | budget (gzip) |');
console.log('| --- | ---: | ---: | ---: |');
for (const { scenario, minified, gzip } of measured) {
  const budget = scenario.budget ? `${bytes(scenario.budget)} ${gzip <= scenario.budget ? 'met' : 'MISSED'}` : '';
  console.log(`| ${scenario.title} | ${bytes(minified)} | ${bytes(gzip)} | ${budget} |`);
}
for (const { scenario, chunks, dynamic, modules } of measured) {
  console.log(`\n${scenario.name}: ${chunks.map((c) => `${c.fileName} ${bytes(c.gzip)} gzip`).join(', ')}`);
  if (dynamic.length) {
    console.log(
      `  not counted, loaded by import(): ${dynamic.map((c) => `${c.fileName} ${bytes(c.gzip)}`).join(', ')}`,
    );
  }
  if (scenario.name !== 'main') continue;
  console.log('  by module (minified bytes from the source maps; gzip is the chunk total shared out by them):');
  for (const module of modules) {
    const share = ((100 * module.minified) / chunks.reduce((sum, c) => sum + c.minified, 0)).toFixed(1);
    console.log(
      `  ${module.name.padEnd(44)} ${bytes(module.minified).padStart(10)}  ${share.padStart(5)}%  ~${bytes(module.gzip)}`,
    );
  }
}
console.log('');

for (const { scenario, gzip } of measured.filter((m) => m.scenario.budget)) {
  await check(`${scenario.name}: at most ${bytes(scenario.budget)} gzip loaded up front (${bytes(gzip)})`, () => {
    if (gzip > scenario.budget) {
      throw new Error(`${bytes(gzip - scenario.budget)} over the budget; see the module list above`);
    }
  });
}
finish();

/** Builds one scenario's app and measures what its page loads statically. */
async function measure(scenario) {
  const root = path.join(installed.dir, 'apps', scenario.name);
  mkdirSync(root, { recursive: true });
  const entry = path.join(root, 'app.js');
  writeFileSync(entry, scenario.code);
  const result = await build({
    root,
    configFile: false,
    envDir: false,
    logLevel: 'warn',
    mode: 'production',
    plugins: [inputSourceMaps()],
    build: {
      write: false,
      // Hidden: the maps attribute bytes to modules without a comment in the code being measured.
      sourcemap: 'hidden',
      reportCompressedSize: false,
      copyPublicDir: false,
      rolldownOptions: { input: { app: entry } },
    },
  });
  const output = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
  const byName = new Map(output.filter((file) => file.type === 'chunk').map((chunk) => [chunk.fileName, chunk]));
  const entryChunk = [...byName.values()].find((chunk) => chunk.isEntry);

  const staticNames = new Set();
  const visit = (name) => {
    if (staticNames.has(name)) return;
    staticNames.add(name);
    for (const imported of byName.get(name).imports) visit(imported);
  };
  visit(entryChunk.fileName);
  const describe = (chunk) => ({
    fileName: chunk.fileName,
    minified: Buffer.byteLength(chunk.code),
    gzip: gzipSync(chunk.code, { level: GZIP_LEVEL }).length,
  });
  const chunks = [...staticNames].map((name) => describe(byName.get(name)));
  const dynamic = [...byName.values()].filter((chunk) => !staticNames.has(chunk.fileName)).map(describe);

  const perModule = new Map();
  for (const name of staticNames) {
    const chunk = byName.get(name);
    const chunkGzip = chunks.find((c) => c.fileName === name).gzip;
    const total = Buffer.byteLength(chunk.code);
    for (const [source, size] of bytesBySource(chunk, root)) {
      const entryOf = perModule.get(source) ?? { name: source, minified: 0, gzip: 0 };
      entryOf.minified += size;
      entryOf.gzip += Math.round((chunkGzip * size) / total);
      perModule.set(source, entryOf);
    }
  }
  return {
    chunks,
    dynamic,
    minified: chunks.reduce((sum, c) => sum + c.minified, 0),
    gzip: chunks.reduce((sum, c) => sum + c.gzip, 0),
    modules: [...perModule.values()]
      .filter((module) => module.minified > 0)
      .sort((a, b) => b.minified - a.minified || a.name.localeCompare(b.name)),
  };
}

/**
 * Hands the bundler the source maps that ship beside dist/*.js, so the final
 * bundle's map leads back to the package's src/ files rather than to its
 * chunks (bundlers ignore an input file's sourceMappingURL otherwise).
 */
function inputSourceMaps() {
  return {
    name: 'size-check:input-source-maps',
    enforce: 'pre',
    load(id) {
      if (!id.includes('/node_modules/') || !id.endsWith('.js')) return null;
      const code = readFileSync(id, 'utf8');
      const url = /\/\/# sourceMappingURL=([^\s'"]+)\s*$/.exec(code)?.[1];
      if (!url || url.startsWith('data:')) return null;
      const map = JSON.parse(readFileSync(path.resolve(path.dirname(id), url), 'utf8'));
      return { code: code.slice(0, code.lastIndexOf('//# sourceMappingURL=')), map };
    },
  };
}

/** Minified bytes of a chunk per original file, from its source map; bytes no mapping covers count as "(unmapped)". */
function bytesBySource(chunk, root) {
  const sourceDir = path.join(root, 'dist', path.dirname(chunk.fileName));
  const names = chunk.map.sources.map((source) => displayName(path.resolve(sourceDir, source), root));
  const totals = new Map();
  const add = (name, text) => totals.set(name, (totals.get(name) ?? 0) + Buffer.byteLength(text));
  const lines = chunk.code.split('\n');
  decodeMappings(chunk.map.mappings).forEach((segments, lineIndex) => {
    const line = lines[lineIndex] ?? '';
    let column = 0;
    let owner = '(unmapped)';
    for (const [start, sourceIndex] of segments) {
      add(owner, line.slice(column, start));
      column = start;
      owner = sourceIndex === undefined ? '(unmapped)' : names[sourceIndex];
    }
    add(owner, line.slice(column));
  });
  for (const line of lines.slice(chunk.map.mappings.split(';').length)) add('(unmapped)', line);
  add('(unmapped)', '\n'.repeat(lines.length - 1));
  return totals;
}

function displayName(file, root) {
  const inPackage = file.split('/node_modules/offline-trace-buffer/')[1];
  if (inPackage) return inPackage;
  const inDependency = file.split('/node_modules/').at(-1);
  if (inDependency !== file) return inDependency;
  return file.startsWith(root) ? `(the app) ${path.relative(root, file)}` : file;
}

/** Source map v3 `mappings`: per generated line, `[column, sourceIndex?]` for each segment. */
function decodeMappings(mappings) {
  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let sourceIndex = 0;
  return mappings.split(';').map((line) => {
    let column = 0;
    return line
      .split(',')
      .filter(Boolean)
      .map((segment) => {
        const fields = [];
        let value = 0;
        let shift = 0;
        for (const char of segment) {
          const digit = BASE64.indexOf(char);
          value += (digit & 31) << shift;
          shift += 5;
          if (!(digit & 32)) {
            fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        column += fields[0];
        if (fields.length < 4) return [column, undefined];
        sourceIndex += fields[1];
        return [column, sourceIndex];
      });
  });
}
