import { deliveryError, type SendResult } from '../core/delivery.js';
import { TraceBufferOptionError } from '../core/errors.js';
import type { Sender } from '../core/delivery.js';
import type { BufferedTrace } from '../core/record.js';
import type { TraceBuffer } from '../core/trace-buffer.js';
import { exportFailureStatus } from './export-failure.js';
import { SPAN_FORMAT, spansFromJson, spanToJson, type ReadableSpanLike } from './span-json.js';

/**
 * `ExportResultCode` of `@opentelemetry/core`, whose values the SDK treats as
 * a stable protocol. Repeated here so this entry needs no SDK package at run time.
 */
export const EXPORT_SUCCESS = 0;
export const EXPORT_FAILED = 1;

export interface ExportResultLike {
  code: number;
  error?: Error;
}

/** The shape of an SDK `SpanExporter` (either SDK line); an `OTLPTraceExporter` fits it. */
export interface SpanExporterLike {
  export(spans: ReadableSpanLike[], resultCallback: (result: ExportResultLike) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export interface BufferingSpanExporterOptions {
  /** The exporter that really sends, e.g. `new OTLPTraceExporter({ url })`. */
  exporter: SpanExporterLike;
  /** Where spans whose export failed are kept until replay. */
  buffer: Pick<TraceBuffer, 'storeTrace'>;
}

export interface BufferingSpanExporter extends SpanExporterLike {
  /** Re-exports buffered spans through the wrapped exporter: the buffer's `send`. */
  readonly send: Sender;
}

/**
 * A `SpanExporter` that forwards to `exporter` and, when an export fails,
 * stores the spans in `buffer` (one buffered trace per span) instead of
 * letting the SDK drop them. The export then reports success: the spans are
 * safe, and replay (`buffer.replayBufferedTraces`, with `spanReplaySender`
 * as `send`) exports them later. If they cannot be stored either, the export
 * reports the original failure.
 */
export function bufferingSpanExporter(options: BufferingSpanExporterOptions): BufferingSpanExporter {
  const { exporter, buffer } = options ?? {};
  if (!isExporter(exporter)) {
    throw new TraceBufferOptionError('exporter', exporter, 'a SpanExporter (an object with export and shutdown)');
  }
  if (typeof buffer?.storeTrace !== 'function') {
    throw new TraceBufferOptionError('buffer', buffer, 'a trace buffer from createTraceBuffer');
  }
  // Stores still running: forceFlush and shutdown wait for them.
  const storing = new Set<Promise<unknown>>();

  const keep = async (spans: ReadableSpanLike[], failure: ExportResultLike): Promise<ExportResultLike> => {
    try {
      const stored = await Promise.all(
        spans.map((span) => buffer.storeTrace({ format: SPAN_FORMAT, span: spanToJson(span) })),
      );
      if (stored.every(Boolean)) return { code: EXPORT_SUCCESS };
      // The buffer reported why through its onError; the SDK hears the export failure.
      return failure;
    } catch (error) {
      const reason = error instanceof Error ? error : new Error(String(error));
      return {
        code: EXPORT_FAILED,
        error: new Error(`Export failed and buffering failed: ${reason.message}`, { cause: reason }),
      };
    }
  };

  return {
    export(spans, resultCallback) {
      let answered = false;
      const answer = (result: ExportResultLike): void => {
        if (answered) return;
        answered = true;
        resultCallback(result);
      };
      const onResult = (result: ExportResultLike): void => {
        if (result.code === EXPORT_SUCCESS || spans.length === 0) return answer(result);
        const task = keep(spans, result).then(answer);
        storing.add(task);
        void task.finally(() => storing.delete(task));
      };
      try {
        exporter.export(spans, onResult);
      } catch (error) {
        onResult({ code: EXPORT_FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
    },
    async forceFlush() {
      await exporter.forceFlush?.();
      await Promise.all(storing);
    },
    async shutdown() {
      await exporter.forceFlush?.();
      await Promise.all(storing);
      await exporter.shutdown();
    },
    send: spanReplaySender(exporter),
  };
}

/**
 * The buffer's `send` for spans stored by `bufferingSpanExporter`: rebuilds
 * them and exports them through `exporter` in one call. A record that is not
 * a span (or no longer reads as one) is reported as a permanent failure.
 */
export function spanReplaySender(exporter: SpanExporterLike): Sender {
  if (!isExporter(exporter)) {
    throw new TraceBufferOptionError('exporter', exporter, 'a SpanExporter (an object with export and shutdown)');
  }
  return async (traces: BufferedTrace[]): Promise<SendResult | undefined> => {
    const failed: NonNullable<SendResult['failed']> = [];
    const readable: { trace: BufferedTrace; span: ReadableSpanLike }[] = [];
    for (const trace of traces) {
      try {
        if (trace.traceData['format'] !== SPAN_FORMAT) throw new TypeError(`format is not "${SPAN_FORMAT}"`);
        const [span] = spansFromJson([trace.traceData['span'] ?? null]);
        readable.push({ trace, span: span! });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failed.push({ id: trace.id, reason: `not a buffered span: ${reason}`, retryable: false });
      }
    }
    if (readable.length > 0) {
      // Rebuilt together so spans of one resource share it (one resourceSpans entry).
      const spans = spansFromJson(readable.map(({ trace }) => trace.traceData['span']!));
      const result = await new Promise<ExportResultLike>((resolve) => {
        try {
          exporter.export(spans, resolve);
        } catch (error) {
          resolve({ code: EXPORT_FAILED, error: error instanceof Error ? error : new Error(String(error)) });
        }
      });
      if (result.code !== EXPORT_SUCCESS) {
        const error = exportFailure(result);
        if (failed.length === 0) throw error;
        const status = error.details?.['status'];
        for (const { trace } of readable) {
          // A status is reported for the delivery step to judge, like every other sender's.
          if (typeof status === 'number') failed.push({ id: trace.id, reason: error.message, status });
          else failed.push({ id: trace.id, reason: error.message, retryable: true });
        }
      }
    }
    return failed.length > 0 ? { failed } : undefined;
  };
}

/**
 * The status of the failed export, when one can be learnt (export-failure.ts),
 * is reported as is; anything else (network errors, timeouts, the exporter's
 * own retries exhausted) may succeed later.
 */
function exportFailure(result: ExportResultLike) {
  const status = exportFailureStatus(result.error);
  const message = `The span exporter failed: ${result.error?.message ?? 'no reason given'}`;
  if (status === undefined) return deliveryError({ message, cause: result.error, retryable: true });
  return deliveryError({ message, cause: result.error, status });
}

function isExporter(value: unknown): value is SpanExporterLike {
  const candidate = value as Partial<SpanExporterLike> | null | undefined;
  return typeof candidate?.export === 'function' && typeof candidate.shutdown === 'function';
}
