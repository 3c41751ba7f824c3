import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples/ import the package by name, as users do.
  resolve: { alias: { 'offline-trace-buffer/backend': fileURLToPath(new URL('./src/backend.ts', import.meta.url)) } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
  },
});
