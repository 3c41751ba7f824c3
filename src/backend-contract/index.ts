import { byteCapCases } from './byte-cap-cases.js';
import type { BackendFactory, ContractCase } from './contract-case.js';
import { compressedRecordCases } from './compressed-record-cases.js';
import { durableStoreCases } from './durable-store-cases.js';
import { sharedStoreCases } from './shared-store-cases.js';
import { singleInstanceCases } from './single-instance-cases.js';
import { updateCases } from './update-cases.js';

/**
 * The storage backend contract: what the core relies on from every backend.
 * The cases use no test framework, so they run under any runner, in Node, in
 * pages and in workers; each rejects with a `CheckError` that says what broke.
 */
export const backendContract: readonly ContractCase[] = [
  ...singleInstanceCases,
  ...updateCases,
  ...byteCapCases,
  ...sharedStoreCases,
  ...durableStoreCases,
  ...compressedRecordCases,
];

/** The cases a backend can run given what its factory declares, and why the rest do not apply. */
export function applicableCases(factory: BackendFactory): {
  run: ContractCase[];
  skipped: { name: string; why: string }[];
} {
  const run: ContractCase[] = [];
  const skipped: { name: string; why: string }[] = [];
  for (const testCase of backendContract) {
    const why = notApplicable(testCase, factory);
    if (why) skipped.push({ name: testCase.name, why });
    else run.push(testCase);
  }
  return { run, skipped };
}

function notApplicable(testCase: ContractCase, factory: BackendFactory): string | null {
  if (testCase.needs === 'shared' && !factory.shared) return 'this backend keeps one store per instance';
  if (testCase.needs === 'persistent' && !factory.persistent) return 'this backend does not persist';
  if (testCase.needs === 'corruption' && !factory.corrupt) return 'this backend cannot hold an unreadable record';
  return null;
}

export type { BackendFactory, ContractCase } from './contract-case.js';
export { CheckError } from './check.js';
