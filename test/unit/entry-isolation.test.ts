import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * Every module specifier reachable from `entry` through the library's own
 * files, following `import()` too unless `dynamic` is false.
 */
function reachableImports(entry: string, dynamic = true): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\s*\(\s*'([^']+)'\s*\)/g)) {
      if (match[2] !== undefined && !dynamic) continue;
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier);
    }
  };
  visit(resolve(srcDir, entry));
  return { files, packages };
}

describe('entry points', () => {
  it('the main entry never reaches OpenTelemetry', () => {
    const { files, packages } = reachableImports('index.ts');
    expect([...packages].filter((name) => name.startsWith('@opentelemetry/'))).toEqual([]);
    expect([...files].filter((file) => file.includes('/otel/'))).toEqual([]);
  });

  it('the otel entry imports only the OpenTelemetry API, its optional peer', () => {
    const { packages } = reachableImports('otel/index.ts');
    expect([...packages].filter((name) => name.startsWith('@opentelemetry/'))).toEqual(['@opentelemetry/api']);
  });

  it('the main entry loads the OPFS backend only through a dynamic import', () => {
    const opfsFiles = (files: Set<string>): string[] =>
      [...files].filter((file) => file.includes('/backends/opfs/')).map((file) => file.split('/').pop()!);
    // `opfsAvailable` decides whether to load it; it imports nothing.
    expect(opfsFiles(reachableImports('index.ts', false).files)).toEqual(['available.ts']);
    expect(opfsFiles(reachableImports('index.ts').files)).toContain('index.ts');
  });
});
