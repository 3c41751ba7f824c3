/**
 * The OpenTelemetry page of the 2.x SDK line: `@opentelemetry/sdk-trace-web`
 * 2.12.0, `exporter-trace-otlp-http` 0.223.0 and `@opentelemetry/api` 1.9.1,
 * all imported through `otel2-line` (test/otel2), which resolves them from the
 * 2.x packages installed there, never from the root's 3.x line.
 */
import {
  BatchSpanProcessor,
  OTLPTraceExporter,
  ROOT_CONTEXT,
  trace,
  WebTracerProvider,
  type SpanExporter,
} from 'otel2-line';
import { otelHarness } from './otel-session.js';

window.otbOtel = otelHarness({
  api: { trace, ROOT_CONTEXT },
  // Short timeout: the exporter's own retries give up soon, so the test does not wait on them.
  otlp: (url, headers) => new OTLPTraceExporter({ url, timeoutMillis: 3_000, ...(headers && { headers }) }),
  // Checked by the type checker: the wrapper is a SpanExporter of the 2.x SDK, which takes the
  // exporter itself (`new BatchSpanProcessor(exporter)`), and its processors at construction.
  provider: (exporter: SpanExporter) => new WebTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }),
});
