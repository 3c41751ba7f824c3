import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyFailure, type SendResult } from '../../src/core/delivery.js';
import type { BufferedTrace } from '../../src/core/record.js';
import { TraceBufferOptionError } from '../../src/core/errors.js';
import { openlayerSender } from '../../src/index.js';
import { idempotencyKeyOf } from '../../src/senders/openlayer-sender.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: { rows: Record<string, unknown>[]; config: Record<string, unknown> };
}

/** How the fake Openlayer answers a pipeline: a status (with headers) or a dropped connection. */
type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'reset';

// A real HTTP server on loopback that records every request and answers per pipeline.
let server: Server;
let baseURL: string;
let received: Received[];
let answers: Map<string, Answer>;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      received.push({
        method: request.method ?? '',
        path,
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
      });
      const pipeline = /^\/v1\/inference-pipelines\/([^/]+)\/data-stream$/.exec(path)?.[1];
      const answer: Answer = (pipeline ? answers.get(decodeURIComponent(pipeline)) : undefined) ?? { status: 404 };
      if (answer === 'reset') {
        request.socket.destroy();
        return;
      }
      response.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      response.end(answer.body ?? '{"success":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  answers = new Map();
});

let counter = 0;
function trace(fields: Partial<BufferedTrace> = {}): BufferedTrace {
  counter++;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    traceData: { output: `answer ${counter}`, latency: counter },
    config: { outputColumnName: 'output' },
    inferencePipelineId: 'pipe-a',
    timestamp: 1_700_000_000_000 + counter,
    attempts: 0,
    metadata: { bufferVersion: '1.0', createdBy: 'test' },
    ...fields,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the send to fail');
}

describe('openlayerSender', () => {
  it('posts { rows, config } to the pipeline data-stream path with the key and idempotency headers', async () => {
    answers.set('pipe-a', { status: 200 });
    const send = openlayerSender({ baseURL, apiKey: 'sk-test', headers: { 'X-App': 'demo' } });
    const first = trace({ traceData: { inferenceId: 'row-1', output: 'a' } });
    const second = trace();
    await expect(send([first, second])).resolves.toBeUndefined();

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v1/inference-pipelines/pipe-a/data-stream');
    expect(request!.headers['authorization']).toBe('Bearer sk-test');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-app']).toBe('demo');
    expect(request!.headers['idempotency-key']).toBe(idempotencyKeyOf([first.id, second.id]));
    expect(request!.body).toEqual({
      config: { outputColumnName: 'output' },
      // A row keeps its own inferenceId; one without gets its buffer id.
      rows: [
        { inferenceId: 'row-1', output: 'a' },
        { ...second.traceData, inferenceId: second.id },
      ],
    });
  });

  it('sends no Authorization header without an apiKey (the proxy set-up)', async () => {
    answers.set('pipe-a', { status: 200 });
    await openlayerSender({ baseURL })([trace()]);
    expect(received[0]!.headers['authorization']).toBeUndefined();
  });

  it('groups a batch by pipeline and config, one request per group, in batch order within each', async () => {
    answers.set('pipe-a', { status: 200 });
    answers.set('pipe-b', { status: 200 });
    const send = openlayerSender({ baseURL, inferencePipelineId: 'pipe-b' });
    const a1 = trace();
    const b1 = trace({ inferencePipelineId: null }); // falls back to the sender's pipeline
    const a2 = trace({ config: { outputColumnName: 'other' } });
    const a3 = trace();
    await send([a1, b1, a2, a3]);

    const summary = received
      .map((r) => ({ path: r.path, config: r.body.config, ids: r.body.rows.map((row) => row['inferenceId']) }))
      .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(summary).toEqual(
      [
        { path: '/v1/inference-pipelines/pipe-a/data-stream', config: a1.config, ids: [a1.id, a3.id] },
        { path: '/v1/inference-pipelines/pipe-a/data-stream', config: a2.config, ids: [a2.id] },
        { path: '/v1/inference-pipelines/pipe-b/data-stream', config: b1.config, ids: [b1.id] },
      ].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    );
  });

  it('reports a trace without any pipeline as a non-retryable failure and delivers the rest', async () => {
    answers.set('pipe-a', { status: 200 });
    const orphan = trace({ inferencePipelineId: null });
    const fine = trace();
    const result = (await openlayerSender({ baseURL })([orphan, fine])) as SendResult;
    expect(result.failed).toMatchObject([{ id: orphan.id, retryable: false }]);
    expect(result.failed?.[0]?.reason).toContain('inferencePipelineId');
    expect(received.map((r) => r.body.rows.length)).toEqual([1]);
  });

  it('reports only the traces of the group that failed when the others were delivered', async () => {
    answers.set('pipe-a', { status: 200 });
    answers.set('pipe-b', { status: 503, headers: { 'Retry-After': '7' } });
    const a = trace();
    const b = trace({ inferencePipelineId: 'pipe-b' });
    const result = (await openlayerSender({ baseURL })([a, b])) as SendResult;
    // The status is reported for the delivery step to judge; the sender adds no verdict of its own.
    expect(result.failed).toHaveLength(1);
    expect(result.failed?.[0]).toMatchObject({ id: b.id, status: 503 });
    expect(result.failed?.[0]).not.toHaveProperty('retryable');
    expect(result.failed?.[0]?.reason).toContain('503');
    expect(result.retryAfterMs).toBe(7_000);
  });

  it('throws a non-retryable failure on 400 and keeps the answer in the message', async () => {
    answers.set('pipe-a', { status: 400, body: '{"error":"bad rows"}' });
    const error = await rejection(openlayerSender({ baseURL })([trace()]));
    const failure = classifyFailure(error);
    expect(failure).toMatchObject({ status: 400, retryable: false });
    expect(failure.message).toContain('bad rows');
  });

  it('throws a retryable failure with the wait on 429 with Retry-After', async () => {
    answers.set('pipe-a', { status: 429, headers: { 'Retry-After': '30' } });
    const error = await rejection(openlayerSender({ baseURL })([trace()]));
    expect(classifyFailure(error)).toMatchObject({ status: 429, retryable: true, retryAfterMs: 30_000 });
  });

  it('honours retry-after-ms before Retry-After (issue 14)', async () => {
    answers.set('pipe-a', { status: 429, headers: { 'retry-after-ms': '1500', 'Retry-After': '30' } });
    const error = await rejection(openlayerSender({ baseURL })([trace()]));
    expect(classifyFailure(error)).toMatchObject({ status: 429, retryAfterMs: 1500 });
  });

  it('keeps a numeric inferenceId as it is (issue 14)', async () => {
    answers.set('pipe-a', { status: 200 });
    await openlayerSender({ baseURL })([trace({ traceData: { inferenceId: 42, output: 'a' } })]);
    expect(received[0]!.body.rows).toEqual([{ inferenceId: 42, output: 'a' }]);
  });

  it('merges headers case-insensitively: ours replace a lowercase spelling, never join it (issue 14)', async () => {
    answers.set('pipe-a', { status: 200 });
    await openlayerSender({ baseURL, headers: { 'content-type': 'text/plain', authorization: 'Bearer proxy' } })([
      trace(),
    ]);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.headers['authorization']).toBe('Bearer proxy');
  });

  it('refuses an authorization header together with apiKey, and two spellings of one header', () => {
    expect(() => openlayerSender({ baseURL, apiKey: 'sk', headers: { authorization: 'Bearer x' } })).toThrow(
      TraceBufferOptionError,
    );
    expect(() => openlayerSender({ baseURL, headers: { 'X-A': '1', 'x-a': '2' } })).toThrow(TraceBufferOptionError);
  });

  it.each([500, 503])('throws a retryable failure on %i', async (status) => {
    answers.set('pipe-a', { status });
    const error = await rejection(openlayerSender({ baseURL })([trace()]));
    expect(classifyFailure(error)).toMatchObject({ status, retryable: true });
  });

  it('throws a retryable failure when the connection is reset before an answer', async () => {
    answers.set('pipe-a', 'reset');
    const error = await rejection(openlayerSender({ baseURL })([trace()]));
    const failure = classifyFailure(error);
    expect(failure.retryable).toBe(true);
    expect(failure.status).toBeUndefined();
    expect(received).toHaveLength(1);
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const send = openlayerSender({
      inferencePipelineId: 'p',
      fetch: (input) => {
        calls.push(input instanceof Request ? input.url : input.toString());
        return Promise.resolve(new Response('{}', { status: 200 }));
      },
    });
    await send([trace({ inferencePipelineId: null })]);
    expect(calls).toEqual(['https://api.openlayer.com/v1/inference-pipelines/p/data-stream']);
  });

  it('derives the idempotency key from the ids: stable for a retry, different for another group', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const key = idempotencyKeyOf(ids);
    expect(key).toMatch(/^otb-500-[0-9a-f]{32}$/);
    expect(idempotencyKeyOf([...ids])).toBe(key);
    expect(idempotencyKeyOf(ids.slice(1))).not.toBe(key);
    expect(idempotencyKeyOf([ids[1]!, ids[0]!])).not.toBe(idempotencyKeyOf([ids[0]!, ids[1]!]));
    const keys = new Set(ids.map((id) => idempotencyKeyOf([id])));
    expect(keys.size).toBe(ids.length);
  });

  it('rejects bad options at once', () => {
    expect(() => openlayerSender({ baseURL: '' })).toThrow(TypeError);
    expect(() => openlayerSender({ apiKey: 42 as unknown as string })).toThrow(/apiKey/);
  });
});
