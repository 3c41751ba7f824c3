/**
 * The OpenTelemetry page of the 3.x SDK line (the root's devDependencies):
 * the real trace SDK and OTLP HTTP exporter run here, so the main harness
 * never loads OpenTelemetry. otel2-harness.ts is the same page on the 2.x line.
 */
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { otelHarness } from './otel-session.js';

window.otbOtel = otelHarness({
  api: { trace, ROOT_CONTEXT },
  // Short timeout: the exporter's own retries give up soon, so the test does not wait on them.
  otlp: (url, headers) => new OTLPTraceExporter({ url, timeoutMillis: 3_000, ...(headers && { headers }) }),
  // Checked by the type checker: the wrapper is a SpanExporter of this SDK (3.x takes the options form).
  provider: (exporter: SpanExporter) => new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] }),
});
