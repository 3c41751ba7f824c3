import { clearMemoryStores } from './backends/memory-registry.js';
import { deleteDatabases } from './backends/indexeddb/delete-databases.js';
import type { StoreDeletion } from './backends/store-names.js';
import { describeError, isTraceBufferError, TraceBufferError, TraceBufferOptionError } from './core/errors.js';
import { eventChannelName, type ChannelMessage } from './core/event-bus.js';
import type { BufferEvent } from './core/events.js';
import { count, DEFAULT_NAME, NAME_PATTERN } from './core/options.js';
import type { DeletedStore, DeletedTraceBuffer, DeleteTraceBufferOptions } from './core/trace-buffer-api.js';
import { openChannel } from './platform/broadcast-channel.js';
import { randomUUID } from './platform/random-uuid.js';

const DEFAULT_BLOCKED_TIMEOUT_MS = 5_000;

/**
 * Removes everything buffer `name` stored, for a logout or a withdrawn
 * consent: its IndexedDB database(s), its OPFS folder(s), and its memory
 * buffers in this context, companions (`<name>~...`, see
 * backends/store-names.ts) included, even while other tabs and workers have
 * it open. They hear a `cleared` event (`deleted: true`) and go on with an
 * empty buffer: their connections close on the delete and reopen a new store.
 * Rejects with DELETE_BLOCKED (or STORAGE_FAILED) when a store stayed, with
 * `details.removed` listing what went.
 */
export function deleteTraceBuffer(name: string, options?: DeleteTraceBufferOptions): Promise<DeletedTraceBuffer> {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    const allowed = `a buffer name (letters, digits, ".", "_" and "-", 1 to 64 of them; the default is "${DEFAULT_NAME}")`;
    throw new TraceBufferOptionError('name', name, allowed);
  }
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TraceBufferOptionError('options', options, 'an object of options, or nothing');
  }
  const timeoutMs = count(
    (options ?? {}) as Record<string, unknown>,
    'blockedTimeoutMs',
    DEFAULT_BLOCKED_TIMEOUT_MS,
    0,
  );
  // Not async above this line: bad arguments throw at the call, as
  // createTraceBuffer's do, instead of surfacing as a rejection later.
  return deleteStores(name, timeoutMs);
}

async function deleteStores(name: string, timeoutMs: number): Promise<DeletedTraceBuffer> {
  const parts: [DeletedStore['kind'], Promise<StoreDeletion>][] = [
    ['indexeddb', deleteDatabases(name, timeoutMs)],
    // Loaded on use, as the OPFS backend is: the main entry carries no OPFS code up front.
    ['opfs', import('./backends/opfs/delete-folders.js').then((opfs) => opfs.deleteOpfsFolders(name, timeoutMs))],
    ['memory', clearMemoryStores(name).then((removed) => ({ removed, failures: [] }))],
  ];
  const removed: DeletedStore[] = [];
  const failures: unknown[] = [];
  for (const [kind, part] of parts) {
    try {
      const done = await part;
      removed.push(...done.removed.map((store) => ({ kind, store })));
      failures.push(...done.failures);
    } catch (error) {
      failures.push(error);
    }
  }
  const unheard = announce(name);
  if (unheard) failures.push(unheard);
  if (failures.length > 0) throw failed(name, removed, failures);
  return { name, removed };
}

/**
 * Tells every buffer of the name, here and in other tabs and workers, that
 * its storage is gone; also after a partial failure, since part of it went.
 * Each buffer's own steps notice a vanished store by themselves: this message
 * is what their listeners hear.
 */
function announce(name: string): TraceBufferError | undefined {
  const event: BufferEvent = { type: 'cleared', count: null, deleted: true };
  try {
    const channel = openChannel(eventChannelName(name), () => undefined);
    if (!channel) return undefined;
    channel.post({ from: `delete:${randomUUID()}`, events: [event] } satisfies ChannelMessage);
    channel.close();
    return undefined;
  } catch (error) {
    const message = `Other tabs and workers could not be told of the delete (${describeError(error)}); their next steps still find the stores gone.`;
    return new TraceBufferError('BROADCAST_FAILED', message, { cause: error });
  }
}

function failed(name: string, removed: DeletedStore[], failures: unknown[]): TraceBufferError {
  const blocked = failures.find((failure) => (failure as { code?: unknown }).code === 'DELETE_BLOCKED');
  const first = blocked ?? failures[0];
  const message = `deleteTraceBuffer("${name}") removed ${removed.length} store(s) but not all: ${failures.map(describeError).join('; ')}`;
  const code = isTraceBufferError(first) ? first.code : 'STORAGE_FAILED';
  return new TraceBufferError(code, message, {
    cause: first,
    details: { removed, failures: failures.length },
  });
}
