import { appendFile, mkdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  COLLECTOR_OUTAGE_PATH,
  COLLECTOR_TRACES_PATH,
  OUTAGE_RETRY_AFTER_S,
  type CollectorState,
  type DeliveredTrace,
  type PostTracesAnswer,
  type ReceivedTrace,
} from '../shared/collector-protocol.js';
import { HttpError, readJson, sendJson } from './http-io.js';

/** Traces listed by `GET /collector/traces` unless `?limit=` asks for another number. */
const DEFAULT_LIST_LIMIT = 50;

export interface Collector {
  /** Answers the collector's routes; false if the request is not one of them. */
  handle(request: IncomingMessage, response: ServerResponse, path: string, query: URLSearchParams): Promise<boolean>;
  state(limit?: number): CollectorState;
  /** Where deliveries are kept (one JSON line per trace). */
  readonly file: string;
}

/**
 * The demo's stand-in for a trace backend. It appends every trace it accepts
 * to a JSON-lines file before answering, so a 200 means "on disk" and
 * deliveries survive a restart. Copies of a trace it already has are counted
 * and ignored: buffers deliver at least once, and this makes it visible.
 */
export async function createCollector(dataDir: string): Promise<Collector> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'traces.jsonl');
  const received = await loadReceived(file);
  const seen = new Set(received.map((trace) => trace.traceId));
  let duplicates = 0;
  let outage = false;
  // Appends one after another, so two concurrent batches never interleave lines.
  let writing: Promise<unknown> = Promise.resolve();

  const accept = async (traces: DeliveredTrace[]): Promise<PostTracesAnswer> => {
    const fresh: ReceivedTrace[] = [];
    let copies = 0;
    for (const trace of traces) {
      if (seen.has(trace.traceId)) {
        copies++;
        continue;
      }
      seen.add(trace.traceId);
      fresh.push({ ...trace, receivedAt: Date.now() });
    }
    if (fresh.length > 0) {
      const lines = fresh.map((trace) => JSON.stringify(trace) + '\n').join('');
      const write = writing.then(() => appendFile(file, lines, 'utf8'));
      writing = write.catch(() => undefined); // the failure is answered below; the next append still runs
      try {
        await write;
      } catch (error) {
        for (const trace of fresh) seen.delete(trace.traceId);
        throw error;
      }
      received.push(...fresh);
    }
    duplicates += copies;
    return { accepted: fresh.length, duplicates: copies };
  };

  const state = (limit = DEFAULT_LIST_LIMIT): CollectorState => ({
    count: received.length,
    duplicates,
    outage,
    traces: received.slice(-limit).reverse(),
  });

  return {
    file,
    state,
    async handle(request, response, path, query) {
      if (path === COLLECTOR_TRACES_PATH && request.method === 'GET') {
        const limit = Number(query.get('limit') ?? DEFAULT_LIST_LIMIT);
        sendJson(response, 200, state(Number.isSafeInteger(limit) && limit >= 0 ? limit : DEFAULT_LIST_LIMIT));
        return true;
      }
      if (path === COLLECTOR_TRACES_PATH && request.method === 'POST') {
        const body = await readJson(request);
        if (outage) {
          sendJson(
            response,
            503,
            { error: 'the collector is down (demo outage switch)' },
            { 'retry-after': String(OUTAGE_RETRY_AFTER_S) },
          );
          return true;
        }
        sendJson(response, 200, await accept(parseTraces(body)));
        return true;
      }
      if (path === COLLECTOR_OUTAGE_PATH && request.method === 'POST') {
        const body = (await readJson(request)) as { down?: unknown };
        outage = typeof body.down === 'boolean' ? body.down : !outage;
        sendJson(response, 200, { outage });
        return true;
      }
      return false;
    },
  };
}

function parseTraces(body: unknown): DeliveredTrace[] {
  const traces = (body as { traces?: unknown } | null)?.traces;
  if (!Array.isArray(traces)) throw new HttpError(400, 'expected { traces: [...] }');
  return traces.map((trace: unknown, index) => {
    const candidate = trace as Partial<DeliveredTrace> | null;
    if (
      typeof candidate?.traceId !== 'string' ||
      candidate.traceId === '' ||
      typeof candidate.traceData !== 'object' ||
      candidate.traceData === null
    ) {
      throw new HttpError(400, `traces[${index}] needs a traceId and a traceData object`);
    }
    return {
      traceId: candidate.traceId,
      traceData: candidate.traceData,
      config: typeof candidate.config === 'object' && candidate.config !== null ? candidate.config : {},
      inferencePipelineId: typeof candidate.inferencePipelineId === 'string' ? candidate.inferencePipelineId : null,
      bufferedAt: typeof candidate.bufferedAt === 'number' ? candidate.bufferedAt : null,
      attempts: typeof candidate.attempts === 'number' ? candidate.attempts : 0,
    };
  });
}

/** Reads what earlier runs received. A torn last line (a crash mid-append) is skipped, not fatal. */
async function loadReceived(file: string): Promise<ReceivedTrace[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const traces: ReceivedTrace[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      traces.push(JSON.parse(line) as ReceivedTrace);
    } catch {
      unreadable++;
    }
  }
  if (unreadable > 0) console.warn(`collector: skipped ${unreadable} unreadable line(s) in ${file}`);
  return traces;
}
