import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyFailure, type SendResult } from '../../src/core/delivery.js';
import type { BufferedTrace } from '../../src/core/record.js';
import { TraceBufferOptionError } from '../../src/core/errors.js';
import { createTraceBuffer, openlayerSender } from '../../src/index.js';
import { defaultLlmConfig } from '../../src/senders/openlayer-default-config.js';
import { idempotencyKeyOf } from '../../src/senders/openlayer-sender.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Names and values as they came on the wire, in order, repeats kept. */
  rawHeaders: string[];
  /** The body's bytes as UTF-8 text, before any parsing. */
  rawBody: string;
  body: { rows: Record<string, unknown>[]; config: Record<string, unknown> };
  at: number;
}

/** How the fake Openlayer answers a pipeline: a status (with headers) or a dropped connection. */
type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'reset';
/** One answer for every request, or a list answered in turn (the last one repeats). */
type Answers = Answer | Answer[];

// A real HTTP server on loopback that records every request and answers per pipeline.
let server: Server;
let baseURL: string;
let received: Received[];
let answers: Map<string, Answers>;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      const rawBody = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: request.method ?? '',
        path,
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        rawBody,
        body: JSON.parse(rawBody) as Received['body'],
        at: Date.now(),
      });
      const pipeline = /^\/v1\/inference-pipelines\/([^/]+)\/data-stream$/.exec(path)?.[1];
      const given = pipeline ? answers.get(decodeURIComponent(pipeline)) : undefined;
      const answer: Answer = (Array.isArray(given) ? (given.length > 1 ? given.shift() : given[0]) : given) ?? {
        status: 404,
      };
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

/** Header pairs as they came on the wire, sorted: repeats and spellings stay visible. */
function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs.sort(([a], [b]) => a.localeCompare(b));
}

describe('openlayerSender through a buffer, checked byte for byte on a real server (issue 14)', () => {
  it("replays a trace stored without a config with Openlayer's default LLM config, every row's own inferenceId kept", async () => {
    answers.set('pipe-a', { status: 200 });
    const buffer = createTraceBuffer({
      name: `openlayer-bytes-${Date.now().toString(36)}`,
      storage: 'memory',
      autoReplay: false,
      send: openlayerSender({
        baseURL,
        apiKey: 'sk-test',
        inferencePipelineId: 'pipe-a',
        headers: { 'X-App': 'demo' },
      }),
    });
    // A row as openlayer-ts's tracer makes it (postProcessTrace): its input variable `question` spread in.
    const tracerRow = {
      inferenceTimestamp: 1_700_000_000,
      inferenceId: 'row-1',
      output: 'Paris',
      latency: 812,
      cost: 0.0004,
      tokens: 31,
      steps: [{ name: 'chat' }],
      metadata: { session_id: 'thread-1' },
      question: 'Capital of France?',
      session_id: 'thread-1',
    };
    expect(await buffer.storeTrace(tracerRow)).toBe(true);
    expect(await buffer.storeTrace({ inferenceId: 42, output: 'two', question: 'q2' })).toBe(true);
    expect(await buffer.storeTrace({ output: 'three', question: 'q3' })).toBe(true);
    const ids = (await buffer.getBufferedTraces()).map((trace) => trace.id);
    const result = await buffer.replayBufferedTraces();
    expect(result).toMatchObject({ totalTraces: 3, successCount: 3, failureCount: 0 });
    await buffer.close();

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v1/inference-pipelines/pipe-a/data-stream');
    // Written out, not built with JSON.stringify: key order and every byte count.
    const expectedBody =
      '{"rows":[' +
      '{"inferenceTimestamp":1700000000,"inferenceId":"row-1","output":"Paris","latency":812,"cost":0.0004,' +
      '"tokens":31,"steps":[{"name":"chat"}],"metadata":{"session_id":"thread-1"},' +
      '"question":"Capital of France?","session_id":"thread-1"},' +
      '{"inferenceId":42,"output":"two","question":"q2"},' +
      `{"output":"three","question":"q3","inferenceId":"${ids[2]!}"}],` +
      // openlayer-ts src/lib/tracing/tracer.ts buildStreamConfig, in its order; session_id is in a row.
      '"config":{"outputColumnName":"output","inputVariableNames":["question"],' +
      '"groundTruthColumnName":"groundTruth","latencyColumnName":"latency","costColumnName":"cost",' +
      '"timestampColumnName":"inferenceTimestamp","inferenceIdColumnName":"inferenceId",' +
      '"numOfTokenColumnName":"tokens","sessionIdColumnName":"session_id"}}';
    expect(request!.rawBody).toBe(expectedBody);
    const port = new URL(baseURL).port;
    // Ours, once each, lowercased; the rest is what Node's fetch adds to every request.
    expect(headerPairs(request!.rawHeaders)).toEqual(
      headerPairs([
        ...['authorization', 'Bearer sk-test'],
        ...['content-type', 'application/json'],
        ...['idempotency-key', idempotencyKeyOf(ids)],
        ...['x-app', 'demo'],
        ...['content-length', String(Buffer.byteLength(expectedBody))],
        ...['host', `127.0.0.1:${port}`],
        ...['connection', 'keep-alive'],
        ...['accept', '*/*'],
        ...['accept-language', '*'],
        ...['sec-fetch-mode', 'cors'],
        ...['user-agent', 'node'],
        ...['accept-encoding', 'gzip, deflate'],
      ]),
    );
  });

  it('sends a stored config as it is, never the default', async () => {
    answers.set('pipe-a', { status: 200 });
    await openlayerSender({ baseURL })([trace({ config: { outputColumnName: 'answer' } })]);
    expect(JSON.parse(received[0]!.rawBody)).toMatchObject({ config: { outputColumnName: 'answer' } });
    expect(received[0]!.rawBody.endsWith('"config":{"outputColumnName":"answer"}}')).toBe(true);
  });

  it("the default config is openlayer-ts's: session and user columns only when a row has them", () => {
    const fixed = {
      outputColumnName: 'output',
      inputVariableNames: [],
      groundTruthColumnName: 'groundTruth',
      latencyColumnName: 'latency',
      costColumnName: 'cost',
      timestampColumnName: 'inferenceTimestamp',
      inferenceIdColumnName: 'inferenceId',
      numOfTokenColumnName: 'tokens',
    };
    expect(defaultLlmConfig([{ output: 'hi', inferenceId: 'a', steps: [], metadata: {} }])).toEqual(fixed);
    expect(defaultLlmConfig([{ output: 'hi', user_id: 'u-1', session_id: null }])).toEqual({
      ...fixed,
      userIdColumnName: 'user_id',
    });
    // The inputs of every row of the request, each once, in the order first met.
    expect(
      defaultLlmConfig([
        { question: 'a', session_id: 's' },
        { context: 'c', question: 'b' },
      ]),
    ).toEqual({
      ...fixed,
      inputVariableNames: ['question', 'context'],
      sessionIdColumnName: 'session_id',
    });
  });

  it('a buffer replay obeys Retry-After-Ms before Retry-After: the retry waits the milliseconds, not 30 s', async () => {
    answers.set('pipe-a', [
      { status: 503, headers: { 'Retry-After-Ms': '300', 'Retry-After': '30' } },
      { status: 200 },
    ]);
    const buffer = createTraceBuffer({
      name: `openlayer-retry-${Date.now().toString(36)}`,
      storage: 'memory',
      // Its own backoff is far shorter than the wait asked for, so only the answer can explain the gap.
      autoReplay: { startupDelayMs: 0, initialDelayMs: 10, maxDelayMs: 10 },
      send: openlayerSender({ baseURL, inferencePipelineId: 'pipe-a' }),
    });
    expect(await buffer.storeTrace({ inferenceId: 'retry-1', output: 'x' })).toBe(true);
    await expect.poll(() => received.length, { timeout: 4_000 }).toBe(2);
    await expect.poll(async () => (await buffer.getBufferStatus()).totalTraces).toBe(0);
    await buffer.close();
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(300);
    expect(received.map((r) => r.rawBody)).toEqual([received[0]!.rawBody, received[0]!.rawBody]);
  });
});
