import type { ServerResponse } from 'node:http';
import { serveOnLoopback } from './loopback-server.js';

/** How the collector answers the next requests. */
export type CollectorMode =
  | { kind: 'ok' }
  | { kind: 'fail'; status: number; retryAfterSeconds?: number }
  /** Keeps requests open without answering, as a collector that hangs. */
  | { kind: 'hold' }
  /** Drops the connection without an answer. */
  | { kind: 'reset' }
  /** Answers `status` to every third request (the 3rd, 6th, ...) and accepts the others. */
  | { kind: 'failOneInThree'; status: number }
  /** Counts the rows as delivered, then never answers: the collector took them, the sender never hears so. */
  | { kind: 'acceptThenHold' }
  /** Answers 413 to a request of more than `maxRows` rows and accepts the others (a request size cap). */
  | { kind: 'maxRows'; maxRows: number }
  /** Answers `status` (400, 422) to a request holding any row whose traceId is in `traceIds`, accepts the others. */
  | { kind: 'refuseRows'; status: number; traceIds: string[] };

export interface Collector {
  /** The endpoint a page posts `[{ id, traceId }, ...]` to. */
  url: string;
  /** Completed deliveries (answered 200) per buffer id. */
  deliveries: Map<string, number>;
  /** Requests received, whatever they were answered. */
  requests: number;
  /** Requests held open right now (mode `hold`). */
  held: number;
  setMode(mode: CollectorMode): void;
  close(): Promise<void>;
}

/**
 * A real HTTP collector on 127.0.0.1 for browser tests. It counts a delivery
 * only when it answered 200, so "delivered exactly once" is checked on what a
 * backend really accepted.
 */
export async function startCollector(): Promise<Collector> {
  let mode: CollectorMode = { kind: 'ok' };
  const heldResponses = new Set<ServerResponse>();
  const collector = {
    url: '',
    deliveries: new Map<string, number>(),
    requests: 0,
    get held() {
      return heldResponses.size;
    },
    setMode(next: CollectorMode) {
      mode = next;
    },
    close: () => Promise.resolve(),
  };
  const server = await serveOnLoopback(
    {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Headers': 'content-type, idempotency-key',
      'Access-Control-Expose-Headers': 'Retry-After',
    },
    (request, body, response) => {
      collector.requests++;
      const current = mode;
      if (current.kind === 'reset') {
        request.socket.destroy();
        return;
      }
      if (current.kind === 'hold') {
        heldResponses.add(response);
        response.on('close', () => heldResponses.delete(response));
        return;
      }
      if (current.kind === 'failOneInThree' && collector.requests % 3 === 0) {
        response.writeHead(current.status).end();
        return;
      }
      if (current.kind === 'fail') {
        if (current.retryAfterSeconds !== undefined)
          response.setHeader('Retry-After', String(current.retryAfterSeconds));
        response.writeHead(current.status).end();
        return;
      }
      const rows = JSON.parse(body.toString('utf8')) as { id: string; traceId?: string }[];
      if (current.kind === 'maxRows' && rows.length > current.maxRows) {
        response.writeHead(413).end('request too large');
        return;
      }
      if (current.kind === 'refuseRows' && rows.some((row) => current.traceIds.includes(row.traceId ?? ''))) {
        response.writeHead(current.status).end('a row is invalid');
        return;
      }
      for (const row of rows) collector.deliveries.set(row.id, (collector.deliveries.get(row.id) ?? 0) + 1);
      if (current.kind === 'acceptThenHold') {
        heldResponses.add(response);
        response.on('close', () => heldResponses.delete(response));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    },
  );
  collector.url = `${server.origin}/traces`;
  collector.close = () => {
    for (const response of heldResponses) response.destroy();
    return server.close();
  };
  return collector;
}
