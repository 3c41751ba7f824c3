/** Messages between the bench page and its dedicated OPFS worker. */
export type StoreMode = 'burst' | 'seq';

export type WorkerRequest =
  | { op: 'opfs-log-ceiling'; n: number; salt: string }
  | { op: 'opfs-file-per-trace'; n: number; salt: string; mode: StoreMode }
  | { op: 'library-opfs-probe' }
  | { op: 'library-opfs'; n: number; salt: string; mode: StoreMode };

export interface TimedRun {
  ms: number;
  /** Traces found stored afterwards: a run that lost traces broke the benchmark. */
  stored: number;
}

export interface ProbeResult {
  available: boolean;
  reason: string;
}

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
