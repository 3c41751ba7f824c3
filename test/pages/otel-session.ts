/**
 * What the OpenTelemetry pages share: one tracer per `setUp`, whose spans go
 * through the buffering exporter to a collector, driven from the spec. Each
 * SDK line's page (otel-harness.ts for 3.x, otel2-harness.ts for 2.x) passes
 * the parts that differ between the lines: how its exporter, span processor
 * and provider are made, and its own API for contexts.
 */
import type { Context, Tracer, TraceAPI } from '@opentelemetry/api';
import { createTraceBuffer, type BufferStatus, type ReplayResult } from '../../src/index.js';
import {
  bufferingSpanExporter,
  spanReplaySender,
  type BufferingSpanExporter,
  type SpanExporterLike,
} from '../../src/otel/index.js';

export interface OtelLine {
  /** The line's `@opentelemetry/api`: the spec's child spans are made in its contexts. */
  api: { trace: Pick<TraceAPI, 'setSpan'>; ROOT_CONTEXT: Context };
  /** The line's OTLP/HTTP exporter for `url`, sending `headers` (an API key, say) with each export. */
  otlp(url: string, headers?: Record<string, string>): SpanExporterLike;
  /** A provider of the line whose span processor exports through `exporter`. */
  provider(exporter: BufferingSpanExporter): ProviderLike;
}

interface ProviderLike {
  getTracer(name: string, version?: string): Tracer;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface Session {
  provider: ProviderLike;
  buffer: ReturnType<typeof createTraceBuffer>;
  send: ReturnType<typeof spanReplaySender>;
  errors: string[];
}

export function otelHarness(line: OtelLine) {
  let session: Session | undefined;
  const current = (): Session => {
    if (!session) throw new Error('call setUp first');
    return session;
  };
  return {
    ready: true,
    /** A tracer whose spans go through the buffering exporter to the collector at `url`. */
    setUp(url: string, name: string, headers?: Record<string, string>): void {
      const errors: string[] = [];
      const otlp = line.otlp(url, headers);
      const send = spanReplaySender(otlp);
      const buffer = createTraceBuffer({
        name,
        storage: 'indexeddb',
        send,
        // The test replays by hand at the moments it chooses.
        autoReplay: false,
        onError: (error) => errors.push(`${error.code}: ${error.message}`),
      });
      const provider = line.provider(bufferingSpanExporter({ exporter: otlp, buffer }));
      session = { provider, buffer, send, errors };
    },
    /** Ends `count` spans (one parent with children, attributes, an event) and flushes them; returns their ids. */
    async produce(count: number, label: string): Promise<string[]> {
      const { provider } = current();
      const tracer = provider.getTracer('otb-test', '1.0.0');
      const ids: string[] = [];
      const parent = tracer.startSpan(`${label}-parent`, { attributes: { 'test.label': label } });
      ids.push(parent.spanContext().spanId);
      const parentContext = line.api.trace.setSpan(line.api.ROOT_CONTEXT, parent);
      for (let i = 1; i < count; i++) {
        const child = tracer.startSpan(
          `${label}-child-${i}`,
          { attributes: { 'test.index': i, 'test.ok': true } },
          parentContext,
        );
        child.addEvent('step', { 'step.tags': ['a', 'b'] });
        ids.push(child.spanContext().spanId);
        child.end();
      }
      parent.end();
      await provider.forceFlush();
      return ids;
    },
    status(): Promise<BufferStatus> {
      return current().buffer.getBufferStatus();
    },
    replay(): Promise<ReplayResult> {
      return current().buffer.replayBufferedTraces({ send: current().send });
    },
    /** After a pause (401, ...): resumes delivery, as an app does once the user logged in again. */
    resume(): void {
      current().buffer.resume();
    },
    errors(): string[] {
      return current().errors;
    },
    /** Ends the session; none there (its setUp threw) is nothing to end, so the case's own error shows. */
    async tearDown(): Promise<void> {
      if (!session) return;
      const { provider, buffer } = session;
      await provider.shutdown();
      await buffer.clearBuffer();
      await buffer.close();
      session = undefined;
    },
  };
}

export type OtelHarness = ReturnType<typeof otelHarness>;

declare global {
  interface Window {
    otbOtel: OtelHarness;
  }
}
