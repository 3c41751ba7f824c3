import { defineConfig } from 'vite';
import dts from 'vite-plugin-dts';

// Library build: one ES module per entry, dependencies left as imports so
// apps dedupe them, declarations beside the code. `worker` is its own entry so
// only apps that bridge to a worker load comlink.
export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: {
      entry: {
        index: 'src/index.ts',
        backend: 'src/backend.ts',
        otel: 'src/otel/index.ts',
        worker: 'src/worker/index.ts',
        'service-worker': 'src/service-worker/index.ts',
      },
      formats: ['es'],
    },
    rolldownOptions: {
      external: [/^idb(\/|$)/, /^comlink(\/|$)/, /^@opentelemetry\//],
    },
  },
  plugins: [dts({ include: ['src'], tsconfigPath: './tsconfig.build.json' })],
});
