// The README's "OpenTelemetry" example in its 2.x form.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { createTraceBuffer } from 'offline-trace-buffer';
import { bufferingSpanExporter, spanReplaySender } from 'offline-trace-buffer/otel';

const otlp = new OTLPTraceExporter({ url: 'https://collector.example.com/v1/traces' });
const buffer = createTraceBuffer({ name: 'otel-spans', send: spanReplaySender(otlp) });
const exporter = bufferingSpanExporter({ exporter: otlp, buffer });
const provider = new WebTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });

// Later (on `online`, at start-up, ...): re-export what was buffered.
await buffer.replayBufferedTraces();
provider.getTracer('consumer').startSpan('checked').end();
