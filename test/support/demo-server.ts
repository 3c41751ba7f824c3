import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectorState } from '../../demo/shared/collector-protocol.js';

export interface DemoProcess {
  url: string;
  dataDir: string;
  /** Everything the process printed, for assertions and failure reports. */
  output(): string;
  collector(): Promise<CollectorState>;
  /** Sends SIGTERM and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Longest wait for the demo to build and listen; a cold build on a busy machine takes a few seconds. */
const START_TIMEOUT_MS = 60_000;

/**
 * Starts the demo exactly as `npm run demo` does (node demo/serve.js), on an
 * ephemeral port, with its own data folder so runs never see each other's traces.
 */
export async function startDemoProcess(dataDir?: string): Promise<DemoProcess> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'otb-demo-')));
  const child = spawn(process.execPath, ['demo/serve.js'], {
    env: { ...process.env, PORT: '0', DEMO_DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${output}`)), START_TIMEOUT_MS);
    const check = (): void => {
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${code}:\n${output}`));
    });
  });

  return {
    url,
    dataDir: dir,
    output: () => output,
    async collector() {
      const response = await fetch(new URL('/collector/traces?limit=1000', url));
      return (await response.json()) as CollectorState;
    },
    stop: (signal = 'SIGTERM') => stopProcess(child, exited, signal),
  };
}

async function stopProcess(
  child: ChildProcess,
  exited: Promise<number | null>,
  signal: NodeJS.Signals,
): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}

export async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
