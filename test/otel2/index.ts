/**
 * The OpenTelemetry 2.x SDK line, as the tests import it. Every name below
 * resolves from this folder, so to the 2.x packages npm installed under
 * test/otel2/node_modules (see package.json), never to the root's 3.x line.
 */
export { ROOT_CONTEXT, trace } from '@opentelemetry/api';
export { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
export { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
export { BatchSpanProcessor, WebTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-web';
