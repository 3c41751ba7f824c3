import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Serves the browser test pages; they import the library from src/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  clearScreen: false,
  // Pre-bundle up front: a dependency found mid-run would reload the page under a test.
  optimizeDeps: {
    include: [
      'idb',
      'comlink',
      // Only otel.html loads these (the OpenTelemetry entry's tests, SDK 3.x line).
      '@opentelemetry/api',
      '@opentelemetry/sdk-trace',
      '@opentelemetry/exporter-trace-otlp-http',
      // Only otel2.html loads these: the 2.x line, resolved from test/otel2 (the `otel2-line`
      // workspace), where npm installed it apart from the 3.x line.
      'otel2-line > @opentelemetry/api',
      'otel2-line > @opentelemetry/sdk-trace-web',
      'otel2-line > @opentelemetry/sdk-trace-base',
      'otel2-line > @opentelemetry/exporter-trace-otlp-http',
    ],
    noDiscovery: true,
  },
  // The test service worker imports the built entry (npm run build), as a PWA would; types come from src/ (tsconfig paths).
  resolve: {
    alias: {
      'offline-trace-buffer/service-worker': fileURLToPath(new URL('../../dist/service-worker.js', import.meta.url)),
    },
  },
  // The worker harness and bridge worker are ES modules, like the pages.
  worker: { format: 'es' },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
});
