import { describe, expect, it } from 'vitest';
import { createTraceBuffer, type TraceBufferError } from '../../src/index.js';
import { memoryBackend } from '../../src/backend.js';
import type { DeviceStorage } from '../../src/core/platform.js';
import { Reporter } from '../../src/core/reporter.js';
import { StorageStanding } from '../../src/core/storage-standing.js';

function standing(storage: DeviceStorage | null) {
  const errors: TraceBufferError[] = [];
  const reporter = new Reporter(
    (e) => errors.push(e),
    () => undefined,
    () => undefined,
  );
  return { standing: new StorageStanding(storage, reporter), errors };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('status.storage and persist', () => {
  it('says why where navigator.storage does not exist (Node), and does not throw', async () => {
    const buffer = createTraceBuffer({ storage: memoryBackend(), persist: true });
    const { storage } = await buffer.getBufferStatus();
    expect(storage).toEqual({
      supported: false,
      usage: null,
      quota: null,
      persisted: null,
      persistRequest: 'unsupported',
      reason: 'navigator.storage is not available in this context',
    });
    await buffer.close();
  });

  it('asks persist() once, never waits on it, and reports the answer', async () => {
    let calls = 0;
    let answer: (granted: boolean) => void = () => undefined;
    const { standing: s } = standing({
      estimate: () => Promise.resolve({ usage: 1234, quota: 10_000 }),
      persisted: () => Promise.resolve(false),
      persist: () => (calls++, new Promise<boolean>((resolve) => (answer = resolve))),
    });
    s.requestPersistence();
    s.requestPersistence();
    expect(calls).toBe(1);
    expect(await s.status()).toMatchObject({
      supported: true,
      usage: 1234,
      quota: 10_000,
      persisted: false,
      persistRequest: 'pending',
    });
    answer(true);
    await flush();
    expect((await s.status()).persistRequest).toBe('granted');
  });

  it('a refusal is an answer; a failure of persist() is reported as PERSIST_FAILED', async () => {
    const denied = standing({
      estimate: () => Promise.resolve({ usage: 0, quota: 0 }),
      persist: () => Promise.resolve(false),
    });
    denied.standing.requestPersistence();
    await flush();
    expect((await denied.standing.status()).persistRequest).toBe('denied');
    expect(denied.errors).toEqual([]);
    const failing = standing({
      estimate: () => Promise.resolve({ usage: 0, quota: 0 }),
      persist: () => Promise.reject(new DOMException('no', 'InvalidStateError')),
    });
    failing.standing.requestPersistence();
    await flush();
    expect((await failing.standing.status()).persistRequest).toBe('failed');
    expect(failing.errors.map((e) => e.code)).toEqual(['PERSIST_FAILED']);
  });

  it('a context without persist() (a worker) says unsupported; an estimate that throws is a reason, not a throw', async () => {
    const { standing: s } = standing({ estimate: () => Promise.reject(new Error('partition gone')) });
    s.requestPersistence();
    expect(await s.status()).toMatchObject({
      supported: true,
      usage: null,
      persistRequest: 'unsupported',
      reason: 'navigator.storage failed: Error: partition gone',
    });
  });
});
