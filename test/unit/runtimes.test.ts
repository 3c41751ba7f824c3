// The core's side of the edge and server runtimes (issue 16), in Node with a
// fake platform; test/package/runtime-check.mjs runs the real runtimes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryBackend } from '../../src/backend.js';
import { Closing } from '../../src/core/closing.js';
import { resolveOptions, type CoreOptions } from '../../src/core/options.js';
import { createBufferCore, type CorePlatform } from '../../src/core/trace-buffer.js';
import type { TraceBufferError } from '../../src/index.js';
import { openChannel } from '../../src/platform/broadcast-channel.js';
import { watchProcessExit } from '../../src/platform/process-exit.js';
import { manualReplayReason } from '../../src/platform/request-scoped.js';
import { randomUUID } from '../../src/platform/random-uuid.js';

const send = () => Promise.resolve();

function core(options: CoreOptions, platform: Partial<CorePlatform> = {}) {
  const ids = vi.fn(() => randomUUID());
  const backend = memoryBackend();
  const buffer = createBufferCore(resolveOptions(options), {
    openBackend: () => Promise.resolve({ backend, fallbackReason: null }),
    generateId: ids,
    ...platform,
  });
  return { buffer, ids };
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('creating a buffer at module scope (workerd forbids random values and timers there)', () => {
  it('generates no id until the buffer is used', async () => {
    const { buffer, ids } = core({ send });
    expect(ids).not.toHaveBeenCalled();
    await buffer.storeTrace({ inferenceId: 'a' });
    expect(ids).toHaveBeenCalled();
    await buffer.close();
  });

  it('starts no timer where replay is manual, and the status says why', async () => {
    vi.useFakeTimers();
    const { buffer } = core({ send }, { manualReplayReason: 'timers belong to a request here' });
    expect(vi.getTimerCount()).toBe(0);
    await buffer.storeTrace({ inferenceId: 'a' });
    expect(vi.getTimerCount()).toBe(0);
    const status = await buffer.getBufferStatus();
    expect([status.autoReplay, status.manualReplayReason]).toEqual([false, 'timers belong to a request here']);
    expect((await buffer.replayBufferedTraces()).successCount).toBe(1);
    await buffer.close();
  });

  it('elsewhere a send starts automatic replay and the status gives no manual reason', async () => {
    const { buffer } = core({ send });
    const status = await buffer.getBufferStatus();
    expect([status.autoReplay, status.manualReplayReason]).toEqual([true, null]);
    await buffer.close();
  });
});

describe('manualReplayReason (platform)', () => {
  it('names Cloudflare Workers by their user agent and Vercel by its EdgeRuntime global', () => {
    expect(manualReplayReason()).toBeNull();
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    expect(manualReplayReason()).toContain('Cloudflare Workers');
    vi.stubGlobal('navigator', { userAgent: 'Node.js/20' });
    vi.stubGlobal('EdgeRuntime', 'edge-runtime');
    expect(manualReplayReason()).toContain('edge runtime');
  });
});

describe('Closing', () => {
  it('tells each listener once, at abort, and one added afterwards sees aborted', () => {
    const closing = new Closing();
    const heard: string[] = [];
    const removed = () => heard.push('removed');
    closing.addEventListener('abort', () => heard.push('first'));
    closing.addEventListener('abort', removed);
    closing.removeEventListener('abort', removed);
    expect(closing.aborted).toBe(false);
    closing.abort();
    closing.abort();
    expect([closing.aborted, heard]).toEqual([true, ['first']]);
  });
});

describe('process exit (Node, Bun, Deno)', () => {
  function withExitHook(options: CoreOptions) {
    const hooks: (() => Promise<void>)[] = [];
    const unwatch = vi.fn();
    const errors: TraceBufferError[] = [];
    const { buffer } = core(
      { ...options, onError: (error) => errors.push(error) },
      { watchProcessExit: (hook) => (hooks.push(hook), unwatch) },
    );
    return { buffer, hooks, unwatch, errors };
  }

  it('warns through onError with the count when traces are still buffered', async () => {
    const { buffer, hooks, errors } = withExitHook({ send, autoReplay: false });
    await buffer.storeTrace({ inferenceId: 'a' });
    await buffer.storeTrace({ inferenceId: 'b' });
    expect(hooks).toHaveLength(1);
    await hooks[0]!();
    expect(errors.map((error) => [error.code, error.details?.['count']])).toEqual([['UNSENT_AT_EXIT', 2]]);
    expect(errors[0]!.message).toContain('replayBufferedTraces() and then close()');
    expect((await buffer.getBufferStatus()).lastError?.code).toBe('UNSENT_AT_EXIT');
  });

  it('says nothing when everything was delivered, and close() stops watching', async () => {
    const { buffer, hooks, unwatch, errors } = withExitHook({ send, autoReplay: false });
    await buffer.storeTrace({ inferenceId: 'a' });
    await buffer.replayBufferedTraces();
    await hooks[0]!();
    expect(errors).toEqual([]);
    await buffer.close();
    expect(unwatch).toHaveBeenCalledOnce();
  });

  it('one beforeExit listener serves every buffer, and each hook runs once', () => {
    const before = process.listenerCount('beforeExit');
    const calls: number[] = [];
    const stops = Array.from({ length: 20 }, (_, i) => watchProcessExit(() => (calls.push(i), Promise.resolve())));
    expect(process.listenerCount('beforeExit')).toBeLessThanOrEqual(before + 1);
    stops[0]!();
    process.emit('beforeExit', 0);
    process.emit('beforeExit', 0);
    expect(calls).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
  });
});

describe('Deno', () => {
  it('opens no BroadcastChannel, which would keep the process alive (no unref there)', () => {
    vi.stubGlobal('Deno', {});
    expect(openChannel('runtimes-test', () => undefined)).toBeNull();
    vi.unstubAllGlobals();
    const channel = openChannel('runtimes-test', () => undefined);
    expect(channel).not.toBeNull();
    channel?.close();
  });
});
