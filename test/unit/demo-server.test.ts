import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveredTrace } from '../../demo/shared/collector-protocol.js';
import { completePrompt } from '../../demo/shared/fake-model.js';
import { removeDataDir, startDemoProcess, type DemoProcess } from '../support/demo-server.js';

// Each case starts the real `node demo/serve.js`, which builds the page first.
const START_TIMEOUT_MS = 120_000;
const running: DemoProcess[] = [];
const dataDirs = new Set<string>();

async function start(dataDir?: string): Promise<DemoProcess> {
  const demo = await startDemoProcess(dataDir);
  running.push(demo);
  dataDirs.add(demo.dataDir);
  return demo;
}

function trace(traceId: string): DeliveredTrace {
  return {
    traceId,
    traceData: { inferenceId: traceId, input: 'hi' },
    config: {},
    inferencePipelineId: null,
    bufferedAt: null,
    attempts: 0,
  };
}

async function post(demo: DemoProcess, path: string, body: unknown): Promise<Response> {
  return fetch(new URL(path, demo.url), { method: 'POST', body: JSON.stringify(body) });
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((demo) => demo.stop()));
  await Promise.all([...dataDirs].map(removeDataDir));
  dataDirs.clear();
});

describe('the demo server', () => {
  it(
    'keeps what the collector received across a restart, and stops cleanly on SIGINT',
    async () => {
      const first = await start();
      expect(first.output()).toContain('Open http://127.0.0.1:');
      expect((await post(first, '/collector/traces', { traces: [trace('a'), trace('b')] })).status).toBe(200);
      expect(await first.stop('SIGINT')).toBe(0);
      expect(first.output()).toContain('SIGINT: stopping the demo.');

      const second = await start(first.dataDir);
      const state = await second.collector();
      expect(state.traces.map((received) => received.traceId).sort()).toEqual(['a', 'b']);
      // A copy of a trace it already has is counted, not stored twice.
      const answer = (await (await post(second, '/collector/traces', { traces: [trace('a')] })).json()) as unknown;
      expect(answer).toEqual({ accepted: 0, duplicates: 1 });
      expect((await second.collector()).count).toBe(2);
    },
    START_TIMEOUT_MS,
  );

  it(
    'answers 503 with Retry-After during an outage, and accepts again after it',
    async () => {
      const demo = await start();
      expect(await (await post(demo, '/collector/outage', { down: true })).json()).toEqual({ outage: true });
      const refused = await post(demo, '/collector/traces', { traces: [trace('c')] });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect((await demo.collector()).count).toBe(0);

      expect(await (await post(demo, '/collector/outage', { down: false })).json()).toEqual({ outage: false });
      expect((await post(demo, '/collector/traces', { traces: [trace('c')] })).status).toBe(200);
      expect((await demo.collector()).count).toBe(1);
    },
    START_TIMEOUT_MS,
  );

  it(
    'serves the fake model, the same answer the page computes offline',
    async () => {
      const demo = await start();
      const response = await post(demo, '/api/chat', { prompt: 'What is a trace?' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(completePrompt('What is a trace?'));
      expect((await post(demo, '/api/chat', { prompt: '' })).status).toBe(400);
    },
    START_TIMEOUT_MS,
  );
});
