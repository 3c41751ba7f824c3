// Helpers of the runtime matrix (runtime-check.mjs), run in Node.
import { spawn } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';

/**
 * A process that has not ended after this long is taken as hanging (the exit
 * cases check that a buffer does not keep one alive): a liveness guard, far
 * above the second or so a case takes, not a measurement.
 */
const HANG_MS = 30_000;

/** Runs a command; resolves with its exit code and the JSON lines of its stdout. */
export function runProcess(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) {
        reject(
          new Error(
            `${path.basename(command)} ${args.join(' ')} did not exit within ${HANG_MS} ms\n${stdout}${stderr}`,
          ),
        );
        return;
      }
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line));
      if (code !== 0 || lines.length === 0) {
        reject(new Error(`${path.basename(command)} exited with ${code}\n${stdout}${stderr}`.trimEnd()));
        return;
      }
      resolve({ code, lines, stderr });
    });
  });
}

/**
 * Bundles a scenario of the consumer project as a user's build would (wrangler
 * and Vercel bundle too): `offline-trace-buffer` resolves through the exports
 * map of the installed tarball. One file, as both runtimes take one script.
 */
export async function bundleFor(projectDir, entry, format) {
  const { build } = await import('vite');
  const output = await build({
    root: projectDir,
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: {
        entry: path.join(projectDir, 'runtimes', entry),
        formats: [format],
        name: 'scenario',
        fileName: 'scenario',
      },
      rolldownOptions: { output: { codeSplitting: false } },
    },
  });
  const [result] = Array.isArray(output) ? output : [output];
  return result.output[0].code;
}

export function expectEqual(actual, expected) {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`expected ${JSON.stringify(expected)}\n     got ${JSON.stringify(actual)}`);
  }
}
