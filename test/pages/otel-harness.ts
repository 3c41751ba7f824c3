/**
 * A second test page, for the OpenTelemetry entry: the real trace SDK and OTLP
 * HTTP exporter run here, so the main harness never loads OpenTelemetry.
 * `window.otbOtel` sets up one tracer per call and drives it from the spec.
 */
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { createTraceBuffer, type BufferStatus, type ReplayResult } from '../../src/index.js';
import { bufferingSpanExporter, spanReplaySender } from '../../src/otel/index.js';

interface Session {
  provider: TracerProvider;
  buffer: ReturnType<typeof createTraceBuffer>;
  send: ReturnType<typeof spanReplaySender>;
  errors: string[];
}

let session: Session | undefined;

const harness = {
  ready: true,
  /** A tracer whose spans go through the buffering exporter to the collector at `url`. */
  setUp(url: string, name: string): void {
    const errors: string[] = [];
    // Short timeout: the exporter's own retries give up soon, so the test does not wait on them.
    const otlp = new OTLPTraceExporter({ url, timeoutMillis: 3_000 });
    const send = spanReplaySender(otlp);
    const buffer = createTraceBuffer({
      name,
      storage: 'indexeddb',
      send,
      // The test replays by hand at the moments it chooses.
      autoReplay: false,
      onError: (error) => errors.push(`${error.code}: ${error.message}`),
    });
    // Checked by the type checker: the wrapper is a SpanExporter of this SDK.
    const exporter: SpanExporter = bufferingSpanExporter({ exporter: otlp, buffer });
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
    session = { provider, buffer, send, errors };
  },
  /** Ends `count` spans (one parent with children, attributes, an event) and flushes them; returns their ids. */
  async produce(count: number, label: string): Promise<string[]> {
    const { provider } = current();
    const tracer = provider.getTracer('otb-test', '1.0.0');
    const ids: string[] = [];
    const parent = tracer.startSpan(`${label}-parent`, { attributes: { 'test.label': label } });
    ids.push(parent.spanContext().spanId);
    const parentContext = trace.setSpan(ROOT_CONTEXT, parent);
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
  errors(): string[] {
    return current().errors;
  },
  async tearDown(): Promise<void> {
    const { provider, buffer } = current();
    await provider.shutdown();
    await buffer.clearBuffer();
    await buffer.close();
    session = undefined;
  },
};

function current(): Session {
  if (!session) throw new Error('call setUp first');
  return session;
}

declare global {
  interface Window {
    otbOtel: typeof harness;
  }
}

window.otbOtel = harness;
