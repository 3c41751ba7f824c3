// Prints one closing line for the whole `npm test` run, from the JSON reports
// of vitest and Playwright, so a CI log says at a glance how much ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);

const unit = read('test-results/unit.json');
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
  skipped += unit.numPendingTests + (unit.numTodoTests ?? 0);
}
const browser = read('test-results/browser.json');
if (browser) {
  passed += browser.stats.expected;
  failed += browser.stats.unexpected + browser.stats.flaky;
  skipped += browser.stats.skipped;
}
// The WebKit run and the package checks (test/package/) write { passed, failed, skipped }.
const packageReports = existsSync('test-results')
  ? readdirSync('test-results').filter((file) => /^package-.+\.json$/.test(file))
  : [];
for (const extra of ['test-results/webkit.json', ...packageReports.map((file) => `test-results/${file}`)]) {
  const report = read(extra);
  if (report) {
    passed += report.passed;
    failed += report.failed;
    skipped += report.skipped ?? 0;
  }
}
if (passed + failed === 0) {
  console.error('No test results found.');
  process.exit(1);
}
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
