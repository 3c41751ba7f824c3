import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { newSession, type Session } from './webdriver.js';

/** Where Debian's webkit2gtk-driver puts things (see shared/BROWSERS.md); overridable like the other engines. */
export const webkitPaths = {
  driver: process.env['WEBKIT_DRIVER_PATH'] ?? 'WebKitWebDriver',
  browser: process.env['WEBKIT_BROWSER_PATH'] ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  xvfbRun: process.env['XVFB_RUN_PATH'] ?? 'xvfb-run',
};

const DRIVER_READY_TIMEOUT_MS = 20_000;
const SESSION_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;

/** Thrown when WebKit cannot be started here at all: the runner reports it instead of failing outside CI. */
export class WebKitUnavailableError extends Error {
  override name = 'WebKitUnavailableError';
}

function onPath(command: string): boolean {
  if (command.includes('/')) return existsSync(command);
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned')),
      );
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunningWebKit {
  session: Session;
  /** The WebKitGTK version, e.g. "2.50.6", from the session's capabilities. */
  version: string;
  /** e.g. "MiniBrowser". */
  browserName: string;
  /** Ends the session and every process started for it. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts WebKitWebDriver on a virtual display and opens one session.
 * Everything runs in one process group of its own (xvfb-run, Xvfb, the driver,
 * MiniBrowser and its web processes), so stopping kills the group and nothing
 * outlives the run, also when the run itself is interrupted.
 */
export async function startWebKit(): Promise<RunningWebKit> {
  const missing = [webkitPaths.xvfbRun, webkitPaths.driver, webkitPaths.browser].filter((path) => !onPath(path));
  if (missing.length > 0)
    throw new WebKitUnavailableError(
      `not found: ${missing.join(', ')} (install the Debian packages webkit2gtk-driver and xvfb: bash .ci/setup.sh)`,
    );

  const port = await freePort();
  const driverUrl = `http://127.0.0.1:${port}`;
  const child = spawn(webkitPaths.xvfbRun, ['-a', webkitPaths.driver, `--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2_000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  // Last resort if the runner exits without reaching stop(): a synchronous kill.
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  let session: Session | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (session && running) {
      // Ending the session lets the driver close MiniBrowser itself; the group kill catches the rest.
      await Promise.race([
        session.delete().catch((error: unknown) => console.warn(`[webkit] ${String(error)}`)),
        exited,
      ]);
    }
    if (running) {
      killGroup(child, 'SIGTERM');
      await Promise.race([exited, sleep(STOP_GRACE_MS)]);
    }
    killGroup(child, 'SIGKILL');
    process.removeListener('exit', killOnExit);
  };

  try {
    await waitUntilReady(
      driverUrl,
      () => running,
      () => output,
    );
    session = await newSession(
      driverUrl,
      {
        alwaysMatch: {
          'webkitgtk:browserOptions': { binary: webkitPaths.browser, args: ['--automation'] },
        },
      },
      SESSION_START_TIMEOUT_MS,
    );
  } catch (error) {
    await stop();
    throw new WebKitUnavailableError(`${String(error)}\n${output.trim()}`, { cause: error });
  }
  const { browserName = 'WebKit', browserVersion = 'unknown version' } = session.info.capabilities;
  return { session, version: browserVersion, browserName, stop };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function waitUntilReady(driverUrl: string, running: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + DRIVER_READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!running()) throw new Error(`WebKitWebDriver exited before it was ready:\n${output()}`);
    try {
      const response = await fetch(`${driverUrl}/status`, { signal: AbortSignal.timeout(2_000) });
      const { value } = (await response.json()) as { value?: { ready?: boolean } };
      if (value?.ready === true) return;
    } catch (error) {
      // Not listening yet: xvfb-run starts Xvfb first.
      lastError = error;
    }
    await sleep(100);
  }
  throw new Error(`WebKitWebDriver not ready after ${DRIVER_READY_TIMEOUT_MS} ms (${String(lastError)})`);
}
