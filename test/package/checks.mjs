// A few named checks in one script, each printed as it ends, counted into
// test-results/package-<suite>.json so the closing line of `npm test`
// (test/support/summary.mjs) includes them.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './packed-package.mjs';

export function createChecks(suite) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  return {
    /** Runs `body`; a throw fails this check only, and its message is printed. */
    async check(title, body) {
      try {
        await body();
        passed += 1;
        console.log(`  ok      ${title}`);
      } catch (error) {
        failed += 1;
        const message = error instanceof Error ? error.message : String(error);
        console.log(`  FAILED  ${title}\n${message.replace(/^/gm, '          ')}`);
      }
    },
    /** Counts a check left out (a runtime missing outside CI), and says why. */
    skip(title, reason) {
      skipped += 1;
      console.log(`  skipped ${title}: ${reason}`);
    },
    /** Writes the counts and sets the exit code: non-zero when a check failed. */
    finish() {
      const dir = path.join(repoRoot, 'test-results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `package-${suite}.json`), JSON.stringify({ passed, failed, skipped }));
      console.log(`${suite}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
      process.exitCode = failed > 0 ? 1 : 0;
    },
  };
}
