import type { ClosingSignal } from './closing.js';
import type { DeadLetters } from './dead-letters.js';
import type { DeliveryBlock } from './delivery-block.js';
import type { SendFunction } from './delivery.js';
import type { TraceRef } from './events.js';
import type { Expiry } from './expiry.js';
import type { ReplayPace } from './replay-pace.js';
import type { CorePlatform } from './platform.js';
import type { Reporter } from './reporter.js';
import type { BufferedTrace, StoredTrace } from './record.js';
import type { StorageBackend } from './storage-backend.js';
import type { ReplayResult } from './trace-buffer-api.js';

// The types a replay pass shares with its steps (claim-batch.ts,
// settle-batch.ts) and with whoever runs it, apart so the steps need not
// import the pass that imports them.

/** What a pass tells the scheduler beside the result. */
export interface PassOutcome extends ReplayResult {
  /** A retryable failure ended or marked the pass: try again after a backoff. */
  retryLater: boolean;
  /** The longest `Retry-After` a failure asked for. */
  retryAfterMs?: number;
}

export interface PassOptions {
  send: SendFunction;
  /** Batches sent at once (at least 1). */
  concurrency: number;
  /** Attempts per batch within this pass (at least 1). */
  attemptsPerBatch: number;
  batchSize: number;
  /** Automatic replays stop at the first retryable failure instead of hammering a backend that is down. */
  stopOnRetryableFailure: boolean;
  onSuccess?: ((trace: BufferedTrace) => void) | undefined;
  onFailure?: ((trace: BufferedTrace, error: unknown) => void) | undefined;
}

/** What a pass needs from the buffer that runs it. */
export interface PassContext {
  backend: StorageBackend;
  instanceId: string;
  leaseMs: number;
  maxAttempts: number;
  /** Whether the pass runs under a cross-context lock (then others' leases are stale). */
  exclusive: boolean;
  /** Traces stored after the pass started wait for the next one. */
  storedBefore: (record: StoredTrace) => boolean;
  isKnownOffline: () => boolean;
  /** `pause()` was called: the pass sends no further batch. */
  isPaused: () => boolean;
  closing: ClosingSignal;
  /** Delivery paused by an answer that says nothing about the traces (settle-batch sets and clears it). */
  block: DeliveryBlock;
  reporter: Reporter;
  delivered: (traces: TraceRef[]) => void;
  /** `replayRate`: batches wait their turn. Absent without a rate; one per buffer, so passes share it. */
  pace?: ReplayPace | undefined;
  /** Where traces refused for good go (settle-batch writes them before removing them). */
  deadLetters: DeadLetters;
  /** `maxAgeMs`: expired traces are dropped, never sent. Absent without an age limit. */
  expiry?: Expiry | undefined;
  /** Decompresses the compressed traces of a claimed batch (see compressed-body.ts). */
  platform: Pick<CorePlatform, 'compression' | 'yieldTask'>;
}
