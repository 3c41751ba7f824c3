#!/usr/bin/env node
/**
 * `npm run bench`: measures the buffer against the baselines side by side, in
 * Chromium and Firefox, on real profile folders (Chromium's plain
 * `browser.newContext()` keeps IndexedDB and OPFS in memory, which inflates
 * every figure). Approaches run interleaved: each round runs every approach
 * once, in a rotated order, each on a fresh database; ratios are taken within a
 * round, then the median over rounds. Prints the tables and writes
 * bench/results.md. Exits non-zero only if the benchmark itself broke (a
 * browser that would not start, a run that lost traces, a page error); a missed
 * target is a finding, reported in the results, not a failure.
 *
 * Plain JavaScript so Node runs it without a build step; the pages it drives
 * are TypeScript, served by Vite from the library's src/.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, firefox } from '@playwright/test';
import { createServer as createViteServer } from 'vite';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.HARNESS_PORT ?? 4178);
const origin = `http://127.0.0.1:${port}`;
const quick = process.env.BENCH_QUICK === '1';
/**
 * BENCH_ONLY=key,key runs just those approaches and no extras: for profiling
 * one change. The extras have keys too: `footprint`, `responsiveness`, `growth`.
 */
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;

/**
 * Traces per run. Bursts use the issue's 2,000. Sequential runs use fewer (a
 * sequential rate does not depend on how many follow), and the file-per-trace
 * layout fewer still, or it alone would take minutes in Firefox; that choice
 * flatters it (its cost grows with the folder), so ratios against it are conservative.
 */
const N = 2_000;
const N_SEQ = quick ? 200 : 500;
const N_FILE_PER_TRACE = 100;
/** Bursts of the 20 KB LLM trace (bench/pages/llm-trace-fixture.ts): 10 MB of JSON per burst. */
const N_20K = quick ? 200 : 500;
const FOOTPRINT_20K_N = quick ? 500 : 2_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 5));
const RESPONSIVENESS_ROUNDS = quick ? 1 : 3;
const FOOTPRINT_N = quick ? 2_000 : 10_000;
const GROWTH_CAPS = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
const GROWTH_ROUNDS_SMALL = quick ? 1 : 3;
const GROWTH_MEASURES_LARGE = quick ? 1 : 3;
const GROWTH_BURST = 2_000;
const GROWTH_SEQ = 300;

/**
 * The engines the bench runs. Where they are and how to launch them come from
 * test/support/browsers.ts, the file the tests use (loaded through Vite in
 * main, since it is TypeScript): one recipe for both.
 */
const ENGINE_TYPES = { chromium: { label: 'Chromium', type: chromium }, firefox: { label: 'Firefox', type: firefox } };

/**
 * Every approach of the main rounds. `worker` ones run their whole timing loop
 * in the bench's dedicated worker. `library` marks the rows under test.
 */
const APPROACHES = [
  { key: 'idb-one-tx-bare:burst', label: 'IndexedDB, all traces in one transaction (ceiling)' },
  {
    key: 'idb-one-tx-indexed:burst',
    label: 'IndexedDB, one transaction, with an age index (ceiling, same schema as the library)',
  },
  { key: 'idb-tx-per-trace:burst', label: 'IndexedDB, one transaction per trace (naive)' },
  { key: 'idb-tx-per-trace:seq', label: 'IndexedDB, one transaction per trace (naive)' },
  {
    key: 'idb-tx-per-trace-totals:seq',
    label:
      "IndexedDB, one transaction per trace, the library's schema and steps (age index, totals; raw API; for the analysis)",
  },
  { key: 'idb-keyval:burst', label: 'idb-keyval 6.3.0 `set` per trace' },
  { key: 'idb-keyval:seq', label: 'idb-keyval 6.3.0 `set` per trace' },
  { key: 'library-idb:burst', label: '**library `storeTrace`, IndexedDB (window)**', library: true },
  { key: 'library-idb:seq', label: '**library `storeTrace`, IndexedDB (window)**', library: true },
  {
    key: 'library-idb-plain:burst',
    label:
      'library `storeTrace`, IndexedDB (window), `compression: false` (the 2 KB trace is under the threshold anyway)',
    library: true,
  },
  {
    key: 'library-idb-20k:burst',
    label: `**library \`storeTrace\`, IndexedDB (window), 20 KB LLM traces, compression on (default; N = ${N_20K})**`,
    library: true,
    n: N_20K,
  },
  {
    key: 'library-idb-20k-plain:burst',
    label: `library \`storeTrace\`, IndexedDB (window), 20 KB LLM traces, \`compression: false\` (N = ${N_20K})`,
    library: true,
    n: N_20K,
  },
  {
    key: 'library-memory:seq',
    label: 'library `storeTrace` on the memory backend (no storage: its own code; for the analysis)',
    library: true,
  },
  { key: 'opfs-log-ceiling:burst', label: 'OPFS single append log in a worker, group flush (ceiling)', worker: true },
  {
    key: 'opfs-file-per-trace:burst',
    label: `OPFS file per trace in a worker (N = ${N_FILE_PER_TRACE})`,
    worker: true,
    n: N_FILE_PER_TRACE,
  },
  {
    key: 'opfs-file-per-trace:seq',
    label: `OPFS file per trace in a worker (N = ${N_FILE_PER_TRACE})`,
    worker: true,
    n: N_FILE_PER_TRACE,
  },
  {
    key: 'library-opfs:burst',
    label: '**library `storeTrace`, OPFS (dedicated worker)**',
    worker: true,
    library: true,
    opfs: true,
  },
  {
    key: 'library-opfs:seq',
    label: '**library `storeTrace`, OPFS (dedicated worker)**',
    worker: true,
    library: true,
    opfs: true,
  },
  { key: 'drain-raw:burst', label: 'drain ceiling: raw read 100 oldest + delete, until empty' },
  {
    key: 'drain-library-no-network:burst',
    label: 'library `replayBufferedTraces` with a `send` that resolves at once (no network; for the analysis)',
    library: true,
  },
  {
    key: 'drain-library:burst',
    label: '**library `replayBufferedTraces` through a local collector (batches of 100)**',
    library: true,
  },
];

/** The comparisons the issue asks for: [library row, baseline row, target ratio or null]. */
const COMPARISONS = [
  ['library-idb:burst', 'idb-one-tx-bare:burst', 0.8],
  ['library-idb:burst', 'idb-one-tx-indexed:burst', null],
  ['library-idb:burst', 'idb-tx-per-trace:burst', null],
  ['library-idb:burst', 'idb-keyval:burst', null],
  ['library-idb:seq', 'idb-tx-per-trace:seq', 0.9],
  ['library-idb:seq', 'idb-keyval:seq', null],
  ['library-opfs:burst', 'opfs-log-ceiling:burst', 0.5],
  ['library-opfs:burst', 'opfs-file-per-trace:burst', 10],
  ['library-opfs:seq', 'opfs-file-per-trace:seq', null],
  ['drain-library:burst', 'drain-raw:burst', 0.5],
  ['drain-library-no-network:burst', 'drain-raw:burst', null],
  ['library-memory:seq', 'idb-tx-per-trace:seq', null],
  ['idb-tx-per-trace-totals:seq', 'idb-tx-per-trace:seq', null],
  ['library-idb:seq', 'idb-tx-per-trace-totals:seq', null],
  ['library-idb-20k:burst', 'library-idb-20k-plain:burst', null],
  ['library-idb:burst', 'library-idb-plain:burst', null],
];

const sizeOf = (approach) => approach.n ?? (approach.key.endsWith(':seq') ? N_SEQ : N);

const OPFS_UNAVAILABLE = 'library OPFS: not available in this build';

// ---- small helpers -------------------------------------------------------------------

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const rate = (n, ms) => (n / ms) * 1000;
const fmtRate = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const fmtRatio = (v) => (Number.isFinite(v) ? `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}x` : '—');
const fmtMs = (v) => (v === null || v === undefined ? 'n/a' : `${v.toFixed(0)} ms`);
const fmtBytes = (v) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} B` : '—');
const fmtMiB = (v) => (Number.isFinite(v) ? `${(v / 1024 / 1024).toFixed(1)} MiB` : '—');
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

/** Bytes of every file under a folder (the profile: what the browser really put on disk). */
function directorySize(folder) {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    try {
      total += statSync(path.join(entry.parentPath, entry.name)).size;
    } catch (error) {
      // A file the browser deleted between the listing and the stat (a rotated log) holds nothing now.
      if (error.code !== 'ENOENT') throw error;
    }
  }
  return total;
}

function rotate(list, by) {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function versionOf(executablePath) {
  try {
    return execFileSync(executablePath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0];
  } catch (error) {
    return `unknown (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** A collector that answers 200 at once, as fast as a server can, so the drain measures the buffer. */
async function startCollector() {
  let posts = 0;
  const server = createHttpServer((request, response) => {
    const headers = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    };
    if (request.method === 'OPTIONS') {
      response.writeHead(204, headers).end();
      return;
    }
    // Answer as soon as the body is in, without parsing it: on two shared
    // cores, a collector that parses competes with the browser it measures.
    request.resume();
    request.on('end', () => {
      posts++;
      response.writeHead(200, { ...headers, 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: collectorPort } = server.address();
  return { url: `http://127.0.0.1:${collectorPort}/collect`, posts: () => posts, close: () => server.close() };
}

// ---- one browser ------------------------------------------------------------------------

async function benchBrowser(name, engine, collector) {
  mkdirSync(path.join(benchDir, 'profiles'), { recursive: true });
  const profileDir = mkdtempSync(path.join(benchDir, 'profiles', `${name}-`));
  const context = await engine.type.launchPersistentContext(profileDir, {
    ...engine.launchOptions(),
    headless: true,
  });
  const pageErrors = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') log(`${name} console: ${message.text()}`);
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.bench?.ready === true);
    await page.evaluate((url) => window.bench.configure({ collectorUrl: url }), collector.url);
    const userAgent = await page.evaluate(() => navigator.userAgent);

    const probe = await page.evaluate(() => window.bench.probeLibraryOpfs());
    log(`${name}: library OPFS ${probe.available ? 'available' : `not available (${probe.reason})`}`);
    const approaches = APPROACHES.filter((a) => (!a.opfs || probe.available) && (!only || only.has(a.key)));

    // Disk footprint first, on the fresh profile, where nothing else is on disk yet.
    const footprint = {};
    if (!only || only.has('footprint')) {
      const storageSize = () => directorySize(profileDir);
      for (const key of [
        'library-idb',
        'idb-one-tx-indexed',
        'idb-keyval',
        'library-idb-gzip',
        'library-idb-20k',
        'library-idb-20k-plain',
      ]) {
        const count = key.includes('20k') ? FOOTPRINT_20K_N : FOOTPRINT_N;
        const before = storageSize();
        const result = await page.evaluate(
          ([k, n, s]) => window.bench.footprintFill(k, n, s),
          [key, count, `${name}-disk`],
        );
        if (result.stored !== count) throw new Error(`${name} footprint ${key}: ${result.stored} stored`);
        const profileBytesPerTrace = (storageSize() - before) / count;
        await page.evaluate((database) => window.bench.deleteDatabase(database), result.database);
        footprint[key] = { ...result, profileBytesPerTrace };
      }
      log(`${name}: footprint measured`);
    }

    const run = async (key, n) => {
      const salt = `${name}-${key}-${Math.random().toString(36).slice(2, 8)}`;
      const result = await page.evaluate(([k, count, s]) => window.bench.run(k, count, s), [key, n, salt]);
      if (result.stored !== n)
        throw new Error(`${name} ${key}: ${result.stored} of ${n} traces stored; the run is broken`);
      if (pageErrors.length > 0) throw new Error(`${name}: page error: ${pageErrors.join('; ')}`);
      return rate(n, result.ms);
    };

    // Main rounds: every approach once per round, rotated, so drift in the
    // machine's load hits every approach alike.
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const rates = {};
      for (const approach of rotate(approaches, round * 3)) {
        rates[approach.key] = await run(approach.key, sizeOf(approach));
      }
      rounds.push(rates);
      log(
        `${name} round ${round + 1}/${ROUNDS}: ${approaches.map((a) => `${a.key}=${fmtRate(rates[a.key])}`).join(' ')}`,
      );
    }

    // Main thread during a burst: the library and the two IndexedDB baselines.
    const watched =
      only && !only.has('responsiveness')
        ? []
        : [
            'library-idb:burst',
            'idb-one-tx-bare:burst',
            'idb-tx-per-trace:burst',
            'library-idb-20k:burst',
            'library-idb-20k-plain:burst',
          ];
    const responsiveness = Object.fromEntries(watched.map((key) => [key, []]));
    for (let round = 0; round < RESPONSIVENESS_ROUNDS; round++) {
      for (const key of rotate(watched, round)) {
        const n = sizeOf(APPROACHES.find((a) => a.key === key));
        const result = await page.evaluate(
          ([k, count, s]) => window.bench.responsiveness(k, count, s),
          [key, n, `${name}-resp-${round}`],
        );
        if (result.stored !== n) throw new Error(`${name} ${key} (watched): ${result.stored} of ${n} stored`);
        responsiveness[key].push(result);
      }
    }

    // Cost growth: a buffer full at N (every store evicts), and memory on the way to 100,000 (Chromium heap).
    const cdp = name === 'chromium' ? await context.newCDPSession(page) : null;
    const heapNow = async () => {
      if (!cdp) return null;
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    const caps = only && !only.has('growth') ? [] : GROWTH_CAPS;
    const growth = Object.fromEntries(caps.map((cap) => [cap, []]));
    const heap = {};
    const rawGrowth = Object.fromEntries(caps.map((cap) => [cap, []]));
    // The engine's own growth: raw IndexedDB doing the same stores into a full store.
    const measureRawGrowth = async (cap, times) => {
      const filled = await page.evaluate((c) => window.bench.rawGrowthOpen(c), cap);
      if (filled !== cap) throw new Error(`${name} raw growth fill at ${cap}: ${filled}`);
      for (let i = 0; i < times; i++) {
        const m = await page.evaluate(([b, s]) => window.bench.rawGrowthMeasure(b, s), [GROWTH_BURST, GROWTH_SEQ]);
        if (m.totalTraces !== cap) throw new Error(`${name} raw growth at ${cap}: ${m.totalTraces} stored`);
        rawGrowth[cap].push(m);
      }
      await page.evaluate(() => window.bench.rawGrowthClose());
    };
    const measureGrowth = async (cap, times, onFill) => {
      await page.evaluate((c) => window.bench.growthOpen(c), cap);
      if (onFill) await onFill();
      else await page.evaluate((c) => window.bench.growthFill(c), cap);
      for (let i = 0; i < times; i++) {
        const m = await page.evaluate(
          ([b, s, st]) => window.bench.growthMeasure(b, s, st),
          [GROWTH_BURST, GROWTH_SEQ, 20],
        );
        if (m.stored !== GROWTH_BURST + GROWTH_SEQ || m.totalTraces !== cap)
          throw new Error(`${name} growth at ${cap}: ${m.stored} stored, ${m.totalTraces} buffered`);
        growth[cap].push(m);
      }
      await page.evaluate(() => window.bench.growthClose());
    };
    for (let round = 0; round < GROWTH_ROUNDS_SMALL; round++) {
      for (const cap of rotate(
        caps.filter((c) => c <= 10_000),
        round,
      )) {
        await measureGrowth(cap, 1);
        await measureRawGrowth(cap, 1);
      }
    }
    const large = caps.find((c) => c > 10_000);
    if (large) {
      await measureGrowth(large, GROWTH_MEASURES_LARGE, async () => {
        heap.empty = await heapNow();
        const at10k = await page.evaluate(() => window.bench.growthFill(10_000));
        heap.after10k = await heapNow();
        const atLarge = await page.evaluate((more) => window.bench.growthFill(more), large - 10_000);
        heap.afterLarge = await heapNow();
        if (at10k !== 10_000 || atLarge !== large) throw new Error(`${name} growth fill: ${at10k}, ${atLarge}`);
      });
      await measureRawGrowth(large, GROWTH_MEASURES_LARGE);
    }
    log(`${name}: extras measured`);
    if (pageErrors.length > 0) throw new Error(`${name}: page error: ${pageErrors.join('; ')}`);
    return {
      name,
      label: engine.label,
      version: versionOf(engine.executablePath),
      userAgent,
      probe,
      rounds,
      responsiveness,
      footprint,
      growth,
      rawGrowth,
      heap,
      large,
    };
  } finally {
    await context.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
}

// ---- the report -----------------------------------------------------------------------

function summarise(result) {
  const medians = {};
  for (const approach of APPROACHES) medians[approach.key] = median(result.rounds.map((r) => r[approach.key]));
  const ratios = COMPARISONS.map(([lib, base]) =>
    median(result.rounds.map((r) => (r[lib] !== undefined && r[base] !== undefined ? r[lib] / r[base] : NaN))),
  );
  return { medians, ratios };
}

function report(results, machine) {
  const summaries = results.map(summarise);
  const lines = [];
  const push = (...l) => lines.push(...l);
  const opfsCell = (result, approach) => (approach.opfs && !result.probe.available ? OPFS_UNAVAILABLE : null);

  push(
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (bench/run.mjs) on ${machine.date}${quick ? ' in QUICK mode (BENCH_QUICK=1: 1 round, smaller N; not for comparison)' : ''}.`,
    '',
    `- machine: ${machine.cpus} cores (\`nproc\`), ${machine.cpuModel}, ${machine.memGiB} GiB memory, ${machine.os}; load average ${machine.loadBefore} at start, ${machine.loadAfter} at the end (the machine is shared: absolute figures are noisy, ratios measured side by side are what matter)`,
    `- Node ${process.version}, Playwright 1.64.1 (persistent contexts on fresh profile folders on disk)`,
    ...results.map((r) => `- ${r.label}: ${r.version} (${r.userAgent})`),
    `- traces: about 2 KB of JSON each (LLM-call shaped, word-list text); N = ${N.toLocaleString('en-US')} per burst run, ${N_SEQ} per sequential run, ${N_FILE_PER_TRACE} per file-per-trace run; median of ${ROUNDS} interleaved rounds`,
    '',
    '## Stores per second',
    '',
    'burst = all stores issued at once, then awaited; seq = each store awaited before the next.',
    '',
    `| approach | ${results.map((r) => `${r.label} burst | ${r.label} seq`).join(' | ')} |`,
    `|---|${results.map(() => '---:|---:').join('|')}|`,
  );
  const seen = new Set();
  for (const approach of APPROACHES) {
    if (seen.has(approach.label)) continue;
    seen.add(approach.label);
    const base = approach.key.split(':')[0];
    const cells = results.flatMap((result, i) =>
      ['burst', 'seq'].map((mode) => {
        const key = `${base}:${mode}`;
        if (!APPROACHES.some((a) => a.key === key)) return '—';
        return opfsCell(result, approach) ?? fmtRate(summaries[i].medians[key]);
      }),
    );
    push(`| ${approach.label} | ${cells.join(' | ')} |`);
  }
  push(
    '',
    "Not run: Sentry's offline transport (it needs the whole `@sentry/browser` client and, with its defaults, keeps only 30 traces, so it cannot buffer a 2,000-trace burst at all); the file-per-trace layout that lists its folder on every store to enforce the cap (it is slower still than file per trace, which is already the slowest row).",
    '',
    '## The library against each baseline',
    '',
    'Ratio of traces/second, taken within each round and then the median over rounds.',
    '',
    `| library row | baseline | target | ${results.map((r) => r.label).join(' | ')} |`,
    `|---|---|---:|${results.map(() => '---:').join('|')}|`,
  );
  COMPARISONS.forEach(([lib, base, target], index) => {
    const libApproach = APPROACHES.find((a) => a.key === lib);
    const baseApproach = APPROACHES.find((a) => a.key === base);
    const cells = results.map((result, i) => opfsCell(result, libApproach) ?? fmtRatio(summaries[i].ratios[index]));
    push(
      `| ${libApproach.label} ${lib.split(':')[1]} | ${baseApproach.label} ${base.split(':')[1]} | ${target === null ? '' : `≥ ${target}x`} | ${cells.join(' | ')} |`,
    );
  });

  // Main thread.
  push(
    '',
    `## Main thread during a ${N.toLocaleString('en-US')}-trace burst`,
    '',
    `Median (and worst) of ${RESPONSIVENESS_ROUNDS} runs. "issue loop" is the caller's own synchronous loop that issues the ${N.toLocaleString('en-US')} calls (it runs in one task by construction). Longest task: PerformanceObserver \`longtask\` (Chromium only). Gaps: largest interval between turns of a \`requestAnimationFrame\` loop and of a \`setTimeout(0)\` loop. The 20 KB rows are bursts of ${N_20K} traces (10 MB of JSON), compressed by default in the group commit before the transaction.`,
    '',
    '| approach | browser | longest task | frame gap | timer gap | issue loop | whole burst |',
    '|---|---|---:|---:|---:|---:|---:|',
  );
  for (const [i, result] of results.entries()) {
    for (const [key, runs] of Object.entries(result.responsiveness)) {
      const stat = (field) => {
        const values = runs.map((r) => r[field]);
        if (values.some((v) => v === null)) return 'n/a';
        return `${fmtMs(median(values))} (${fmtMs(Math.max(...values))})`;
      };
      push(
        `| ${APPROACHES.find((a) => a.key === key).label} | ${result.label} | ${stat('longestTaskMs')} | ${stat('largestFrameGapMs')} | ${stat('largestTimerGapMs')} | ${stat('issueMs')} | ${stat('ms')} |`,
      );
    }
    void i;
  }

  // Disk.
  push(
    '',
    `## Bytes on disk per buffered trace`,
    '',
    `${FOOTPRINT_N.toLocaleString('en-US')} traces stored into a fresh database of a fresh profile, then closed; growth of the profile folder's files (what is really on disk) and of \`navigator.storage.estimate().usage\`, divided by the number of traces. Chromium compresses what it stores. JSON size of one trace with its config: ${fmtBytes(results[0]?.footprint['library-idb']?.jsonBytesPerTrace)}.`,
    '',
    `| storage | ${results.map((r) => `${r.label} files | ${r.label} estimate()`).join(' | ')} |`,
    `|---|${results.map(() => '---:|---:').join('|')}|`,
  );
  for (const [key, label] of [
    ['library-idb', 'library, IndexedDB'],
    ['idb-one-tx-indexed', 'raw IndexedDB, same schema'],
    ['idb-keyval', 'idb-keyval'],
  ]) {
    push(
      `| ${label} | ${results.map((r) => `${fmtBytes(r.footprint[key]?.profileBytesPerTrace)} | ${fmtBytes(r.footprint[key]?.estimateBytesPerTrace)}`).join(' | ')} |`,
    );
  }

  // Compression.
  push(
    '',
    '## Bytes on disk per trace, with and without compression',
    '',
    `The same measure for the library alone (IndexedDB), on the bench's 2 KB trace (${FOOTPRINT_N.toLocaleString('en-US')} of them) and on a realistic 20 KB LLM trace (bench/pages/llm-trace-fixture.ts: system prompt, chat history, retrieved passages, tool schemas and the answer, in English prose; ${FOOTPRINT_20K_N.toLocaleString('en-US')} of them). "stored" is what the library counts per trace (\`status.totalSizeBytes\`, what a byte cap counts). The 2 KB trace is under the default 4 KB threshold, so by default it is stored as text; the gzip row forces it (\`thresholdBytes: 0\`).`,
    '',
    `| trace, compression | JSON | stored | ${results.map((r) => `${r.label} files | ${r.label} estimate()`).join(' | ')} |`,
    `|---|---:|---:|${results.map(() => '---:|---:').join('|')}|`,
  );
  for (const [key, label] of [
    ['library-idb', '2 KB bench trace, default (stored as text)'],
    ['library-idb-gzip', '2 KB bench trace, gzip (`thresholdBytes: 0`)'],
    ['library-idb-20k-plain', '20 KB LLM trace, `compression: false`'],
    ['library-idb-20k', '20 KB LLM trace, default (gzip)'],
  ]) {
    const first = results[0]?.footprint[key];
    push(
      `| ${label} | ${fmtBytes(first?.jsonBytesPerTrace)} | ${fmtBytes(first?.storedBytesPerTrace)} | ${results.map((r) => `${fmtBytes(r.footprint[key]?.profileBytesPerTrace)} | ${fmtBytes(r.footprint[key]?.estimateBytesPerTrace)}`).join(' | ')} |`,
    );
  }

  // Memory.
  push('', '## Memory (JS heap after garbage collection, Chromium)', '');
  for (const result of results) {
    if (!result.heap.empty) {
      push(
        `- ${result.label}: not measured (${result.name === 'firefox' ? 'no JS heap API over WebDriver BiDi' : 'quick mode stops at 10,000'}).`,
      );
      continue;
    }
    const growthMiB = (result.heap.afterLarge - result.heap.after10k) / 1024 / 1024;
    push(
      `- ${result.label}: buffer open and empty ${fmtMiB(result.heap.empty)}; after 10,000 stores ${fmtMiB(result.heap.after10k)}; after ${result.large.toLocaleString('en-US')} stores ${fmtMiB(result.heap.afterLarge)} (change from 10,000 to ${result.large.toLocaleString('en-US')}: ${growthMiB >= 0 ? '+' : ''}${growthMiB.toFixed(1)} MiB).`,
    );
  }

  // Growth.
  push(
    '',
    '## Cost growth: stores into a full buffer',
    '',
    `The buffer's cap is N and it holds N traces, so every store also evicts the oldest. Burst of ${GROWTH_BURST.toLocaleString('en-US')}, then ${GROWTH_SEQ} sequential stores, then 20 \`getBufferStatus()\` calls. Median of ${GROWTH_ROUNDS_SMALL} fresh buffers at 1,000 and 10,000; at 100,000, one buffer filled once and measured ${GROWTH_MEASURES_LARGE} times (filling it costs most of the time).`,
    '',
    '"raw" is the baseline of the same shape: raw IndexedDB, same schema, each transaction putting its traces and deleting as many of the oldest through the age index, starting after the last deleted key, measured in the same browser right after the library at each N. It shows how much of the slow-down is the engine itself.',
    '',
    `| N buffered | ${results.map((r) => `${r.label} burst/s (raw) | ${r.label} seq/s (raw) | ${r.label} status`).join(' | ')} |`,
    `|---:|${results.map(() => '---:|---:|---:').join('|')}|`,
  );
  const rateWithRaw = (lib, raw, field) =>
    `${fmtRate(median(lib.map((x) => x[field])))} (${raw.length > 0 ? fmtRate(median(raw.map((x) => x[field]))) : '—'})`;
  for (const cap of GROWTH_CAPS) {
    const cells = results.flatMap((r) => {
      const m = r.growth[cap] ?? [];
      const raw = r.rawGrowth?.[cap] ?? [];
      return [
        rateWithRaw(m, raw, 'burstPerSecond'),
        rateWithRaw(m, raw, 'seqPerSecond'),
        `${median(m.map((x) => x.statusMedianMs)).toFixed(1)} ms`,
      ];
    });
    push(`| ${cap.toLocaleString('en-US')} | ${cells.join(' | ')} |`);
  }

  // Targets.
  const verdicts = [];
  const checkRatio = (index, what) => {
    const [lib, , target] = COMPARISONS[index];
    const libApproach = APPROACHES.find((a) => a.key === lib);
    const cells = results.map((result, i) => {
      if (opfsCell(result, libApproach)) return `${result.label}: not measured (${OPFS_UNAVAILABLE})`;
      const ratio = summaries[i].ratios[index];
      const met = ratio >= target;
      return `${result.label} ${fmtRatio(ratio)}: ${met ? 'met' : `**missed** by ${fmtRatio(target - ratio).replace('x', '')} (${((1 - ratio / target) * 100).toFixed(0)}% short)`}`;
    });
    verdicts.push(`| ${what} | ${cells.join('; ')} |`);
  };
  checkRatio(0, 'burst `storeTrace` ≥ 0.8x the one-transaction ceiling (IndexedDB)');
  checkRatio(6, 'burst on OPFS ≥ 0.5x the append-log ceiling');
  checkRatio(7, 'burst on OPFS ≥ 10x file per trace');
  checkRatio(4, 'sequential `storeTrace` ≥ 0.9x one transaction per trace (same durability)');
  checkRatio(9, 'drain ≥ 0.5x the raw read+delete ceiling');
  verdicts.push(
    `| no long task over 50 ms during the burst | ${results
      .map((r) => {
        const runs = r.responsiveness['library-idb:burst'] ?? [];
        if (runs.length === 0) return `${r.label}: not measured`;
        const longest = runs.map((x) => x.longestTaskMs);
        const frames = runs.map((x) => x.largestFrameGapMs);
        if (longest.some((v) => v === null))
          return `${r.label}: no longtask entries; frame gap ${fmtMs(median(frames))}, ${median(frames) <= 50 ? 'met' : '**missed**'} by that measure`;
        const m = median(longest);
        return `${r.label} ${fmtMs(m)} (worst ${fmtMs(Math.max(...longest))}): ${m <= 50 ? 'met' : `**missed** by ${fmtMs(m - 50)}`}`;
      })
      .join('; ')} |`,
  );
  verdicts.push(
    `| heap flat from 10,000 to 100,000 stores | ${results
      .map((r) => {
        if (!r.heap.empty) return `${r.label}: not measured`;
        const grew = r.heap.afterLarge - r.heap.after10k;
        return `${r.label}: ${grew >= 0 ? '+' : ''}${(grew / 1024 / 1024).toFixed(1)} MiB, ${grew < 2 * 1024 * 1024 ? 'met (under 2 MiB)' : '**missed**'}`;
      })
      .join('; ')} |`,
  );
  verdicts.push(
    `| stores/second at 100,000 buffered ≥ 0.8x the rate at 1,000 | ${results
      .map((r) => {
        const large = r.growth[r.large];
        if (!large) return `${r.label}: not measured (quick mode)`;
        const ratio = median(large.map((x) => x.burstPerSecond)) / median(r.growth[1_000].map((x) => x.burstPerSecond));
        const seqRatio = median(large.map((x) => x.seqPerSecond)) / median(r.growth[1_000].map((x) => x.seqPerSecond));
        const rawLarge = r.rawGrowth?.[r.large] ?? [];
        const rawSmall = r.rawGrowth?.[1_000] ?? [];
        const rawNote =
          rawLarge.length > 0 && rawSmall.length > 0
            ? ` (raw IndexedDB: burst ${fmtRatio(median(rawLarge.map((x) => x.burstPerSecond)) / median(rawSmall.map((x) => x.burstPerSecond)))}, seq ${fmtRatio(median(rawLarge.map((x) => x.seqPerSecond)) / median(rawSmall.map((x) => x.seqPerSecond)))})`
            : '';
        return `${r.label} burst ${fmtRatio(ratio)}, seq ${fmtRatio(seqRatio)}${rawNote}: ${ratio >= 0.8 && seqRatio >= 0.8 ? 'met' : '**missed**'}`;
      })
      .join('; ')} |`,
  );
  push('', '## Targets', '', '| target | result |', '|---|---|', ...verdicts);

  push(
    '',
    '## Method',
    '',
    '- Each browser runs on a persistent context over a fresh profile folder under bench/profiles/ (deleted afterwards): Chromium keeps IndexedDB and OPFS in memory in a plain `browser.newContext()`, which inflates every figure.',
    `- One round runs every approach once, in an order rotated by three places each round, each on a fresh database or OPFS folder that is deleted afterwards. Rates are medians over ${ROUNDS} rounds; ratios are taken within a round, then the median over rounds, so load from other work on the machine falls on both sides of a ratio.`,
    '- Timing starts when the first store is issued and stops when the last one has resolved (committed); opening the database, generating the traces and checking the count afterwards are outside it. After every run the driver checks that all traces were stored, and stops with an error if not.',
    '- The IndexedDB baselines use the raw API and the default durability, as the library does by default. "bare" stores records keyed by id only; "with an age index" adds the [timestamp, seq] index any buffer needs to find its oldest traces without a scan (the library keeps it, plus a running count and size in the same transaction). The ceiling target is judged against the bare store, the stricter of the two.',
    "- OPFS runs in a dedicated worker that runs its own timing loop: the append-log ceiling encodes each record to JSON and writes it through one sync access handle, flushing once per burst; file per trace opens, writes, flushes and closes one file per trace (the Node port's layout). The library's OPFS rows run there too, through `createTraceBuffer({ storage: 'opfs' })`.",
    `- Drain: the buffer is filled untimed, then \`replayBufferedTraces({ batchSize: 100 })\` (with the default \`replayConcurrency\` of 2 batches in flight) posts each batch to a collector on 127.0.0.1 (an ephemeral port) that answers 200 at once; the ceiling reads the 100 oldest through the age index and deletes them in one transaction per batch, starting each read after the last key, with no network.`,
    "- Memory: Chromium's `Runtime.getHeapUsage` after two forced garbage collections (CDP).",
  );
  const analysisPath = path.join(benchDir, 'analysis.md');
  if (existsSync(analysisPath)) push('', readFileSync(analysisPath, 'utf8').trim());
  return lines.join('\n') + '\n';
}

// ---- main -----------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const target = process.env.BENCH_OUT ?? path.join(benchDir, 'results.md');
  // BENCH_REPORT_FROM=file re-renders a saved run (e.g. after editing bench/analysis.md) without measuring again.
  if (process.env.BENCH_REPORT_FROM) {
    const saved = JSON.parse(readFileSync(process.env.BENCH_REPORT_FROM, 'utf8'));
    const markdown = report(saved.results, saved.machine);
    writeFileSync(target, markdown);
    process.stdout.write(markdown);
    return;
  }
  const loadBefore = os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
  const collector = await startCollector();
  const vite = await createViteServer({
    configFile: path.join(benchDir, 'pages', 'vite.config.ts'),
    server: { port, strictPort: true, host: '127.0.0.1' },
  });
  await vite.listen();
  const results = [];
  try {
    const browsers = await vite.ssrLoadModule(path.join(benchDir, '..', 'test', 'support', 'browsers.ts'));
    // Outside CI a missing browser is left out with a warning; under CI=true its launch fails the run.
    for (const name of browsers.enginesToTest().filter((engine) => engine in ENGINE_TYPES)) {
      log(`${name}: starting`);
      const launch = browsers.engines[name];
      const engine = {
        ...ENGINE_TYPES[name],
        executablePath: launch.executablePath,
        launchOptions: () => launch.launchOptions(),
      };
      results.push(await benchBrowser(name, engine, collector));
    }
  } finally {
    await vite.close();
    collector.close();
  }
  const machine = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown CPU',
    memGiB: (os.totalmem() / 1024 ** 3).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    loadBefore,
    loadAfter: os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' '),
  };
  mkdirSync(path.join(benchDir, 'profiles'), { recursive: true });
  writeFileSync(path.join(benchDir, 'profiles', 'last-run.json'), JSON.stringify({ results, machine, quick }));
  const markdown = report(results, machine);
  writeFileSync(target, markdown);
  process.stdout.write(markdown);
  log(`wrote ${path.relative(process.cwd(), target)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error) => {
  console.error(
    `[bench] the benchmark broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
