import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, type Page } from '@playwright/test';
import { HARNESS_ORIGIN } from '../support/harness-origin.js';

/**
 * A minimal OTLP/HTTP JSON collector on loopback. Down, it answers 503 with a
 * Retry-After longer than the exporter's timeout, so the exporter gives up
 * at once instead of retrying; up, it accepts and records every span id.
 */
class Collector {
  down = true;
  /** Span ids of accepted exports, one entry per time a span arrived. */
  readonly accepted: string[] = [];
  rejectedRequests = 0;
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const cors = {
      'Access-Control-Allow-Origin': HARNESS_ORIGIN,
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type',
      // Let the page read Retry-After, as a real collector behind a CORS proxy would.
      'Access-Control-Expose-Headers': 'Retry-After',
    };
    if (request.method === 'OPTIONS') {
      response.writeHead(204, cors).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404, cors).end();
        return;
      }
      if (this.down) {
        this.rejectedRequests++;
        response.writeHead(503, { ...cors, 'Retry-After': '3600' }).end();
        return;
      }
      if (!String(request.headers['content-type']).startsWith('application/json')) {
        response.writeHead(415, cors).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest;
      for (const resourceSpans of body.resourceSpans) {
        for (const scopeSpans of resourceSpans.scopeSpans) {
          for (const span of scopeSpans.spans) this.accepted.push(span.spanId);
        }
      }
      response.writeHead(200, { ...cors, 'Content-Type': 'application/json' }).end('{}');
    });
  }
}

interface OtlpRequest {
  resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[];
}

async function openOtelPage(page: Page): Promise<void> {
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto('/otel.html');
  await page.waitForFunction(() => window.otbOtel?.ready === true);
}

let collector: Collector;
let collectorUrl: string;

test.beforeEach(async () => {
  collector = new Collector();
  collectorUrl = await collector.start();
});

test.afterEach(async () => {
  await collector.stop();
});

test.describe('OpenTelemetry buffering exporter', () => {
  test('buffers spans while the collector is down and re-exports each exactly once when it is up', async ({
    page,
  }, testInfo) => {
    await openOtelPage(page);
    const name = `otel-${testInfo.project.name}-${Date.now()}`;
    await page.evaluate(([url, bufferName]) => window.otbOtel.setUp(url, bufferName), [collectorUrl, name] as const);

    const offlineIds = await page.evaluate(() => window.otbOtel.produce(5, 'offline'));
    expect(new Set(offlineIds).size).toBe(5);
    expect(collector.rejectedRequests).toBeGreaterThan(0);
    expect(collector.accepted).toEqual([]);
    const buffered = await page.evaluate(() => window.otbOtel.status());
    expect(buffered.totalTraces).toBe(5);
    expect(buffered.persistent).toBe(true);

    collector.down = false;
    // A live export while up goes straight through and is not buffered.
    const liveIds = await page.evaluate(() => window.otbOtel.produce(2, 'live'));
    expect((await page.evaluate(() => window.otbOtel.status())).totalTraces).toBe(5);

    const replay = await page.evaluate(() => window.otbOtel.replay());
    expect(replay).toMatchObject({ totalTraces: 5, successCount: 5, failureCount: 0 });
    expect((await page.evaluate(() => window.otbOtel.status())).totalTraces).toBe(0);

    // A second replay finds nothing: no span is sent twice.
    expect((await page.evaluate(() => window.otbOtel.replay())).totalTraces).toBe(0);
    expect([...collector.accepted].sort()).toEqual([...offlineIds, ...liveIds].sort());
    expect(await page.evaluate(() => window.otbOtel.errors())).toEqual([]);
    await page.evaluate(() => window.otbOtel.tearDown());
  });

  test('keeps the spans buffered when the collector is still down at replay', async ({ page }, testInfo) => {
    await openOtelPage(page);
    const name = `otel-down-${testInfo.project.name}-${Date.now()}`;
    await page.evaluate(([url, bufferName]) => window.otbOtel.setUp(url, bufferName), [collectorUrl, name] as const);
    await page.evaluate(() => window.otbOtel.produce(3, 'offline'));

    const replay = await page.evaluate(() => window.otbOtel.replay());
    expect(replay).toMatchObject({ totalTraces: 3, successCount: 0, failureCount: 3 });
    expect((await page.evaluate(() => window.otbOtel.status())).totalTraces).toBe(3);
    expect(collector.accepted).toEqual([]);

    collector.down = false;
    expect(await page.evaluate(() => window.otbOtel.replay())).toMatchObject({ successCount: 3 });
    expect(new Set(collector.accepted).size).toBe(3);
    expect(collector.accepted).toHaveLength(3);
    await page.evaluate(() => window.otbOtel.tearDown());
  });
});
