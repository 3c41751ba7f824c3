import type { ClosingSignal } from './closing.js';
import type { DeadLetters } from './dead-letters.js';
import type { SendFunction } from './delivery.js';
import type { DeliveryBlock } from './delivery-block.js';
import type { TraceRef } from './events.js';
import { TraceBufferError, TraceBufferOptionError } from './errors.js';
import type { Expiry } from './expiry.js';
import type { GroupCommit } from './group-commit.js';
import type { LazyBackend } from './lazy-backend.js';
import { count, DEFAULT_MAX_RETRIES, optionalFunction, type ResolvedOptions } from './options.js';
import type { CorePlatform } from './platform.js';
import { withBookkeepingUnderQuota } from './bookkeeping-under-quota.js';
import type { PassOptions, PassOutcome } from './pass-context.js';
import { ReplayPace } from './replay-pace.js';
import { runReplayPass } from './replay-pass.js';
import type { Reporter } from './reporter.js';
import type { BufferStatus, ReplayOptions, ReplayResult } from './trace-buffer-api.js';

export interface ReplayRunnerParts {
  options: ResolvedOptions;
  platform: Pick<CorePlatform, 'withLock' | 'locksAvailable' | 'isKnownOffline' | 'compression' | 'yieldTask'>;
  instanceId: string;
  backend: LazyBackend;
  commits: GroupCommit;
  reporter: Reporter;
  /** Aborted by close(): a send still running is told to stop; its batch stays buffered. */
  closing: ClosingSignal;
  /** The sequence number the next store of this buffer will get. */
  nextSeq: () => number;
  delivered: (traces: TraceRef[]) => void;
  deadLetters: DeadLetters;
  expiry?: Expiry | undefined;
  block: DeliveryBlock;
  /** `pause()` was called: passes send nothing. */
  isPaused: () => boolean;
}

/** How one pass runs: from a call by hand, or from the scheduler. */
export interface PassRequest extends Pick<ReplayOptions, 'onReplaySuccess' | 'onReplayFailure'> {
  attemptsPerBatch: number;
  batchSize: number;
  automatic: boolean;
}

/**
 * Runs replay passes: one at a time in this buffer (never two sends of one
 * trace), and one at a time in the origin, under the Web Lock
 * `offline-trace-buffer:<name>:replay` taken with `ifAvailable`: a tab that
 * finds it taken skips rather than queue up to send the same traces. The lock
 * lasts one pass, and a tab that dies mid-pass releases it with its life.
 */
export class ReplayRunner {
  lastReplay: BufferStatus['lastReplay'] = null;
  readonly #parts: ReplayRunnerParts;
  #chain: Promise<unknown> = Promise.resolve();
  /** One pace for every pass of this buffer: back-to-back passes do not each start afresh. */
  readonly #pace: ReplayPace | undefined;

  constructor(parts: ReplayRunnerParts) {
    this.#parts = parts;
    this.#pace = parts.options.replayRate ? new ReplayPace(parts.options.replayRate) : undefined;
  }

  /** `replayBufferedTraces`: checks its options at once, then queues the pass. */
  replay(replayOptions: ReplayOptions, isClosed: boolean): Promise<ReplayResult> {
    if (isClosed)
      return Promise.reject(new TraceBufferError('CLOSED', 'This trace buffer was closed; create a new one.'));
    const { options } = this.#parts;
    let send: SendFunction;
    let request: PassRequest;
    try {
      const given = replayOptions as Record<string, unknown>;
      const maxRetries = count(given, 'maxRetries', DEFAULT_MAX_RETRIES, 0);
      request = {
        attemptsPerBatch: Math.max(1, maxRetries),
        batchSize: count(given, 'batchSize', options.replayBatchSize, 1),
        automatic: false,
        onReplaySuccess: optionalFunction<ReplayOptions['onReplaySuccess']>(given, 'onReplaySuccess'),
        onReplayFailure: optionalFunction<ReplayOptions['onReplayFailure']>(given, 'onReplayFailure'),
      };
      const chosen = optionalFunction<SendFunction>(given, 'send') ?? options.send;
      if (!chosen) {
        throw new TraceBufferOptionError(
          'send',
          undefined,
          'a function, given to createTraceBuffer or to replayBufferedTraces',
        );
      }
      send = chosen;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return this.serialised(async () => {
      const outcome = await this.pass(send, request);
      // The scheduler's fields (retryLater, retryAfterMs) are not the caller's business.
      const result: ReplayResult = {
        totalTraces: outcome.totalTraces,
        successCount: outcome.successCount,
        failureCount: outcome.failureCount,
        failedTraces: outcome.failedTraces,
      };
      if (outcome.skipped) result.skipped = outcome.skipped;
      return result;
    });
  }

  /** Runs `run` after every replay queued before it. */
  serialised<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(run);
    this.#chain = next.then(
      () => undefined,
      () => undefined, // the caller of this replay gets its error; the next replay still runs
    );
    return next;
  }

  /** Resolves once every queued replay has finished. */
  settled(): Promise<unknown> {
    return this.#chain;
  }

  async pass(send: SendFunction, request: PassRequest): Promise<PassOutcome> {
    const { options, platform, commits, backend, reporter } = this.#parts;
    if (this.#parts.isPaused()) return skipped('paused');
    await commits.idle();
    const store = await backend.get();
    // Traces stored after this point wait for the next replay, so a steady
    // stream of new traces cannot keep one replay going forever. Milliseconds
    // alone are too coarse: stores made in the same millisecond by this buffer
    // are told apart by their sequence number.
    const untilTime = Date.now();
    const untilSeq = this.#parts.nextSeq();
    const withLock = platform.withLock ?? (<T>(_name: string, fn: () => Promise<T>) => fn());
    const outcome = await withLock(
      `offline-trace-buffer:${options.name}:replay`,
      () =>
        runReplayPass(
          {
            backend: withBookkeepingUnderQuota(store, (error) => reporter.error(error)),
            instanceId: this.#parts.instanceId,
            leaseMs: options.leaseMs,
            maxAttempts: options.maxAttempts,
            exclusive: platform.locksAvailable ?? false,
            storedBefore: (record) =>
              record.timestamp < untilTime || (record.timestamp === untilTime && record.seq < untilSeq),
            isKnownOffline: platform.isKnownOffline ?? (() => false),
            isPaused: this.#parts.isPaused,
            block: this.#parts.block,
            closing: this.#parts.closing,
            reporter,
            delivered: this.#parts.delivered,
            deadLetters: this.#parts.deadLetters,
            expiry: this.#parts.expiry,
            pace: this.#pace,
            platform,
          },
          {
            send,
            concurrency: options.replayConcurrency,
            attemptsPerBatch: request.attemptsPerBatch,
            batchSize: request.batchSize,
            stopOnRetryableFailure: request.automatic,
            ...passCallbacks(request),
          },
        ),
      { ifAvailable: true },
    );
    const result: PassOutcome = outcome ?? skipped('replaying-elsewhere');
    this.lastReplay = {
      at: Date.now(),
      totalTraces: result.totalTraces,
      successCount: result.successCount,
      failureCount: result.failureCount,
      skipped: result.skipped !== undefined,
    };
    return result;
  }
}

function skipped(reason: NonNullable<PassOutcome['skipped']>): PassOutcome {
  return { totalTraces: 0, successCount: 0, failureCount: 0, failedTraces: [], skipped: reason, retryLater: false };
}

/**
 * The user's callbacks in Openlayer's argument order, over the pass's
 * per-trace ones; settle-batch runs them through the reporter, so a throw is
 * still reported as CALLBACK_FAILED.
 */
function passCallbacks({
  onReplaySuccess,
  onReplayFailure,
}: PassRequest): Pick<PassOptions, 'onSuccess' | 'onFailure'> {
  return {
    onSuccess: onReplaySuccess && ((trace) => onReplaySuccess(trace.traceData, trace.config, trace)),
    onFailure: onReplayFailure && ((trace, error) => onReplayFailure(trace.traceData, trace.config, error, trace)),
  };
}
