import { afterEach, describe, expect, it } from 'vitest';
import { memoryBackend } from '../../src/backend.js';
import { resolveOptions, type CoreOptions } from '../../src/core/options.js';
import type { BackgroundSync } from '../../src/core/platform.js';
import { createBufferCore, type CorePlatform, type TraceBuffer } from '../../src/core/trace-buffer.js';
import type { TraceBufferError } from '../../src/index.js';
import { randomUUID } from '../../src/platform/random-uuid.js';

const open: TraceBuffer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((buffer) => buffer.close()));
});

function core(options: CoreOptions, platform: Partial<CorePlatform>): TraceBuffer {
  const buffer = createBufferCore(resolveOptions(options), {
    openBackend: () => Promise.resolve({ backend: memoryBackend(), fallbackReason: null }),
    generateId: () => randomUUID(),
    ...platform,
  });
  open.push(buffer);
  return buffer;
}

/** A Background Sync that records its registrations, and can refuse them. */
function recordingSync(refuse?: Error): BackgroundSync & { tags: string[] } {
  const tags: string[] = [];
  return {
    tags,
    unsupportedReason: () => Promise.resolve(null),
    register: (tag) => {
      tags.push(tag);
      return refuse ? Promise.reject(refuse) : Promise.resolve(true);
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the page side of Background Sync', () => {
  it('registers the name tag for a store made while offline, not for one made online', async () => {
    const sync = recordingSync();
    let offline = false;
    const buffer = core({ name: 'bg' }, { backgroundSync: sync, isKnownOffline: () => offline });
    await buffer.storeTrace({ inferenceId: 'online' });
    await settle();
    expect(sync.tags).toEqual([]);
    offline = true;
    await buffer.storeTrace({ inferenceId: 'offline' });
    await settle();
    expect(sync.tags).toEqual(['offline-trace-buffer:bg']);
    const status = await buffer.getBufferStatus();
    expect(status.backgroundSync).toMatchObject({ supported: true, reason: null, tag: 'offline-trace-buffer:bg' });
    expect(status.backgroundSync.registeredAt).toEqual(expect.any(Number));
  });

  it('backgroundSync: false registers nothing and the status says it is turned off', async () => {
    const sync = recordingSync();
    const buffer = core({ name: 'bg', backgroundSync: false }, { backgroundSync: sync, isKnownOffline: () => true });
    await buffer.storeTrace({ inferenceId: 'x' });
    await settle();
    expect(sync.tags).toEqual([]);
    expect((await buffer.getBufferStatus()).backgroundSync).toMatchObject({ supported: false, reason: /turned off/ });
  });

  it('a refused registration keeps the trace and is reported once, with BACKGROUND_SYNC_FAILED', async () => {
    const errors: TraceBufferError[] = [];
    const sync = recordingSync(new Error('NotAllowedError: permission denied'));
    const buffer = core(
      { name: 'bg', onError: (error) => errors.push(error) },
      { backgroundSync: sync, isKnownOffline: () => true },
    );
    await buffer.storeTrace({ inferenceId: 'a' });
    await settle();
    await buffer.storeTrace({ inferenceId: 'b' });
    await settle();
    expect(sync.tags).toHaveLength(2);
    expect(errors.map((error) => error.code)).toEqual(['BACKGROUND_SYNC_FAILED']);
    expect((await buffer.getBufferStatus()).totalTraces).toBe(2);
  });

  it('a bad backgroundSync option is thrown at once', () => {
    expect(() => resolveOptions({ backgroundSync: 'yes' })).toThrow(/backgroundSync/);
  });
});
