/**
 * Page-side control of test workers: start, call, terminate. Exposed on
 * `window.otb.workers` so Playwright specs can drive cases that must run in a
 * real dedicated worker.
 */
import * as Comlink from 'comlink';
import type { WorkerHarness } from './worker-harness.js';

const started: { worker: Worker; remote: Comlink.Remote<WorkerHarness> }[] = [];
let shared: Comlink.Remote<WorkerHarness> | undefined;

function start(): number {
  const worker = new Worker(new URL('./worker-harness.ts', import.meta.url), { type: 'module' });
  worker.addEventListener('error', (event) => console.error(`[worker error] ${event.message}`));
  started.push({ worker, remote: Comlink.wrap<WorkerHarness>(worker) });
  return started.length - 1;
}

function remoteOf(index: number): Comlink.Remote<WorkerHarness> {
  const entry = started[index];
  if (!entry) throw new Error(`no worker ${index}`);
  return entry.remote;
}

export const workerRunner = {
  start,
  remote: remoteOf,
  terminate(index: number): void {
    started[index]?.worker.terminate();
  },
  /** One worker kept for the cases that need only a worker (each uses its own buffer name). */
  shared(): Comlink.Remote<WorkerHarness> {
    shared ??= remoteOf(start());
    return shared;
  },

  /**
   * Starts a burst of stores in a fresh worker and terminates the worker once
   * at least `terminateAfter` stores have resolved true, while it is still
   * writing. Resolves with every id confirmed before the end.
   */
  async burstThenTerminate(
    name: string,
    total: number,
    terminateAfter: number,
  ): Promise<{ confirmed: string[]; finished: boolean }> {
    const index = start();
    const confirmed: string[] = [];
    let finished = false;
    await new Promise<void>((resolve, reject) => {
      const onStored = Comlink.proxy((ids: string[]) => {
        confirmed.push(...ids);
        if (confirmed.length >= terminateAfter) {
          started[index]!.worker.terminate();
          resolve();
        }
      });
      remoteOf(index)
        .burst(name, total, 25, onStored)
        .then(() => {
          finished = true;
          resolve();
        }, reject);
    });
    return { confirmed, finished };
  },
};
