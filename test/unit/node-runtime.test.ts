// The package must import and run in plain Node (and edge runtimes) with no
// DOM globals: 'auto' lands on memory there and says why.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createTraceBuffer, type TraceBufferError } from '../../src/index.js';
import { withWebLock } from '../../src/platform/web-lock.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('plain Node, no DOM globals', () => {
  it('has none of the browser storage globals (so the checks below mean something)', () => {
    const globals = globalThis as Record<string, unknown>;
    for (const name of [
      'window',
      'document',
      'indexedDB',
      'FileSystemSyncAccessHandle',
      'DedicatedWorkerGlobalScope',
    ]) {
      expect(globals[name], name).toBeUndefined();
    }
  });

  it("'auto' from src falls back to memory and names why", async () => {
    const buffer = createTraceBuffer({ name: 'node-auto' });
    expect(await buffer.storeTrace({ inferenceId: 'n1' })).toBe(true);
    const status = await buffer.getBufferStatus();
    expect(status.backend).toBe('memory');
    expect(status.persistent).toBe(false);
    expect(status.fallbackReason).toContain('IndexedDB is not available');
    expect((await buffer.getBufferedTraces()).map((t) => t.traceData['inferenceId'])).toEqual(['n1']);
    await buffer.close();
  });

  it("'opfs' is refused with STORAGE_UNAVAILABLE rather than silently kept in memory", async () => {
    const errors: TraceBufferError[] = [];
    const buffer = createTraceBuffer({ name: 'node-opfs', storage: 'opfs', onError: (e) => errors.push(e) });
    expect(await buffer.storeTrace({ inferenceId: 'n2' })).toBe(false);
    expect(errors.map((e) => e.code)).toEqual(['STORAGE_UNAVAILABLE']);
    await buffer.close();
  });

  it('withWebLock runs the step without navigator.locks', async () => {
    expect(await withWebLock('node-lock', () => Promise.resolve(42))).toBe(42);
  });

  it('the main entry of dist never loads comlink (only the worker entry does)', () => {
    expect(existsSync(`${root}dist/index.js`), 'dist/index.js exists (npm run build first)').toBe(true);
    const seen = new Set<string>();
    const importsOf = (file: string): string[] => {
      if (seen.has(file)) return [];
      seen.add(file);
      const code = readFileSync(`${root}dist/${file}`, 'utf8');
      const specifiers = [...code.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      return specifiers.flatMap((s) => (s.startsWith('./') ? [s, ...importsOf(s.slice(2))] : [s]));
    };
    const mainImports = importsOf('index.js');
    expect(mainImports.filter((s) => s.includes('comlink'))).toEqual([]);
    seen.clear();
    expect(importsOf('worker.js')).toContain('comlink');
  });

  it('the built package (dist) imports and runs in a plain node process, both entry points', async () => {
    expect(existsSync(`${root}dist/index.js`), 'dist/index.js exists (npm run build first)').toBe(true);
    const script = `
      for (const name of ['window', 'document', 'indexedDB']) {
        if (name in globalThis) throw new Error('unexpected global ' + name);
      }
      const lib = await import('offline-trace-buffer');
      const bridge = await import('offline-trace-buffer/worker');
      if (typeof bridge.connectTraceBuffer !== 'function' || typeof bridge.exposeTraceBuffer !== 'function')
        throw new Error('worker entry is incomplete');
      const buffer = lib.createTraceBuffer({ name: 'dist-node' });
      const stored = await buffer.storeTrace({ inferenceId: 'd1' });
      const status = await buffer.getBufferStatus();
      console.log(JSON.stringify({ stored, backend: status.backend, fallbackReason: status.fallbackReason }));
    `;
    // Run from the package root so the package's own exports map resolves the names.
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
    });
    const result = JSON.parse(stdout.trim()) as { stored: boolean; backend: string; fallbackReason: string };
    expect(result.stored).toBe(true);
    expect(result.backend).toBe('memory');
    expect(result.fallbackReason).toContain('IndexedDB');
  });
});
