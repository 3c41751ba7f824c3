import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Serves the benchmark page and its worker; they import the library from src/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  clearScreen: false,
  // Pre-bundle up front: a dependency found mid-run would reload the page under a measurement.
  optimizeDeps: { include: ['idb', 'idb-keyval'], noDiscovery: true },
  worker: { format: 'es' },
  server: { fs: { allow: [fileURLToPath(new URL('../..', import.meta.url))] } },
});
