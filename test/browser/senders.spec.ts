import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from '@playwright/test';
import { idempotencyKeyOf } from '../../src/senders/openlayer-sender.js';
import { HARNESS_ORIGIN } from '../support/harness-origin.js';
import { serveOnLoopback, type LoopbackServer } from '../support/loopback-server.js';
import { test as withHarness } from '../support/harness.js';

/** A fake Openlayer API on loopback: records requests and answers per pipeline. */
class FakeOpenlayer {
  readonly requests: { path: string; headers: IncomingMessage['headers']; body: OpenlayerBody }[] = [];
  readonly answers = new Map<string, { status: number; headers?: Record<string, string> }>();
  private server: LoopbackServer | undefined;

  async start(): Promise<string> {
    this.server = await serveOnLoopback(
      {
        'Access-Control-Allow-Origin': HARNESS_ORIGIN,
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key',
        'Access-Control-Expose-Headers': 'Retry-After',
      },
      (request, body, response) => this.handle(request, body, response),
    );
    return `${this.server.origin}/v1`;
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  private handle(request: IncomingMessage, body: Buffer, response: ServerResponse): void {
    const path = request.url ?? '';
    this.requests.push({ path, headers: request.headers, body: JSON.parse(body.toString('utf8')) as OpenlayerBody });
    const pipeline = /^\/v1\/inference-pipelines\/([^/]+)\/data-stream$/.exec(path)?.[1];
    const answer = (pipeline ? this.answers.get(pipeline) : undefined) ?? { status: 404 };
    response.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
    response.end(answer.status < 300 ? '{"success":true}' : '{"error":"refused"}');
  }
}

interface OpenlayerBody {
  rows: { inferenceId?: string; [key: string]: unknown }[];
  config: Record<string, unknown>;
}

withHarness.describe('Openlayer sender', () => {
  let openlayer: FakeOpenlayer;
  let baseURL: string;

  withHarness.beforeEach(async () => {
    openlayer = new FakeOpenlayer();
    baseURL = await openlayer.start();
  });

  withHarness.afterEach(async () => {
    await openlayer.stop();
  });

  withHarness(
    'replays buffered traces as { rows, config } per pipeline with the key and idempotency headers',
    async ({ harness }, testInfo) => {
      openlayer.answers.set('pipe-a', { status: 200 });
      openlayer.answers.set('pipe-b', { status: 200 });
      const outcome = await harness.evaluate(
        async ([url, name]) => {
          const { createTraceBuffer, openlayerSender } = window.otb.library;
          const buffer = createTraceBuffer({
            name,
            storage: 'indexeddb',
            send: openlayerSender({ baseURL: url, apiKey: 'sk-test', inferencePipelineId: 'pipe-a' }),
            // This test replays by hand and counts what that replay delivered.
            autoReplay: false,
          });
          await buffer.storeTrace({ inferenceId: 'row-1', output: 'one' }, { outputColumnName: 'output' });
          await buffer.storeTrace({ output: 'two' }, { outputColumnName: 'output' });
          await buffer.storeTrace({ output: 'three' }, { outputColumnName: 'output' }, 'pipe-b');
          const ids = (await buffer.getBufferedTraces()).map((trace) => trace.id);
          const replay = await buffer.replayBufferedTraces();
          const left = (await buffer.getBufferStatus()).totalTraces;
          await buffer.close();
          return { ids, replay, left };
        },
        [baseURL, `openlayer-${testInfo.project.name}-${Date.now()}`] as const,
      );
      expect(outcome.replay).toMatchObject({ totalTraces: 3, successCount: 3, failureCount: 0 });
      expect(outcome.left).toBe(0);
      const [first, second, third] = outcome.ids;
      const byPath = Object.fromEntries(openlayer.requests.map((request) => [request.path, request]));
      expect(Object.keys(byPath).sort()).toEqual([
        '/v1/inference-pipelines/pipe-a/data-stream',
        '/v1/inference-pipelines/pipe-b/data-stream',
      ]);
      const a = byPath['/v1/inference-pipelines/pipe-a/data-stream']!;
      expect(a.headers['authorization']).toBe('Bearer sk-test');
      expect(a.headers['content-type']).toBe('application/json');
      expect(a.headers['idempotency-key']).toBe(idempotencyKeyOf([first!, second!]));
      expect(a.body).toEqual({
        config: { outputColumnName: 'output' },
        rows: [
          { inferenceId: 'row-1', output: 'one' },
          { inferenceId: second, output: 'two' },
        ],
      });
      const b = byPath['/v1/inference-pipelines/pipe-b/data-stream']!;
      expect(b.headers['idempotency-key']).toBe(idempotencyKeyOf([third!]));
      expect(b.body.rows).toEqual([{ inferenceId: third, output: 'three' }]);
    },
  );

  withHarness('classifies 400 as permanent and 429 as retryable with its Retry-After', async ({ harness }) => {
    openlayer.answers.set('bad', { status: 400 });
    openlayer.answers.set('busy', { status: 429, headers: { 'Retry-After': '12' } });
    const failures = await harness.evaluate(async (url) => {
      const { openlayerSender, classifyFailure } = window.otb.library;
      const send = openlayerSender({ baseURL: url });
      const trace = (pipeline: string) => ({
        id: crypto.randomUUID(),
        traceData: { output: 'x' },
        config: {},
        inferencePipelineId: pipeline,
        timestamp: Date.now(),
        attempts: 0,
        metadata: { bufferVersion: '1.0', createdBy: 'test' },
      });
      const outcomes = [];
      for (const pipeline of ['bad', 'busy']) {
        try {
          await send([trace(pipeline)]);
          outcomes.push(null);
        } catch (error) {
          outcomes.push(classifyFailure(error));
        }
      }
      return outcomes;
    }, baseURL);
    expect(failures[0]).toMatchObject({ status: 400, retryable: false });
    expect(failures[1]).toMatchObject({ status: 429, retryable: true, retryAfterMs: 12_000 });
  });

  withHarness('leaves the traces buffered when Openlayer answers 503', async ({ harness }, testInfo) => {
    openlayer.answers.set('pipe-a', { status: 503 });
    const outcome = await harness.evaluate(
      async ([url, name]) => {
        const { createTraceBuffer, openlayerSender } = window.otb.library;
        const buffer = createTraceBuffer({ name, storage: 'indexeddb' });
        await buffer.storeTrace({ output: 'kept' }, {}, 'pipe-a');
        const replay = await buffer.replayBufferedTraces({ send: openlayerSender({ baseURL: url }), maxRetries: 1 });
        const left = (await buffer.getBufferStatus()).totalTraces;
        await buffer.clearBuffer();
        await buffer.close();
        return { replay, left };
      },
      [baseURL, `openlayer-503-${testInfo.project.name}-${Date.now()}`] as const,
    );
    expect(outcome.replay).toMatchObject({ totalTraces: 1, successCount: 0, failureCount: 1 });
    expect(outcome.left).toBe(1);
    expect(openlayer.requests).toHaveLength(1);
  });
});
