// The OpenTelemetry entry in Node with the real SDK and OTLP/HTTP exporter of
// both lines it supports, against a collector on 127.0.0.1 (issue 14): the
// root's 3.x line and the 2.x line of test/otel2. In Node the exporter's http
// transport fails with an OTLPExporterError whose `code` is the status; the
// browsers' fetch transport, whose Error has only a message, is covered by
// test/browser/otel.spec.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT_CONTEXT, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import * as otel2 from 'otel2-line';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTraceBuffer, type TraceBuffer, type TraceBufferError } from '../../src/index.js';
import {
  bufferingSpanExporter,
  spanReplaySender,
  type BufferingSpanExporter,
  type SpanExporterLike,
} from '../../src/otel/index.js';
import { OtlpCollector } from '../support/otlp-collector.js';

interface ProviderLike {
  getTracer(name: string): Tracer;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Each line: its exporter, its provider with the wrapper in a batch processor, its API for contexts. */
const LINES = [
  {
    line: '3.x',
    sdkVersion: '3.1.0',
    exporterVersion: '0.301.0',
    otlp: (url: string): SpanExporterLike => new OTLPTraceExporter({ url, timeoutMillis: 3_000 }),
    // 3.x: the processor takes an options object.
    provider: (exporter: BufferingSpanExporter): ProviderLike =>
      new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] }),
    api: { trace, ROOT_CONTEXT },
  },
  {
    line: '2.x',
    sdkVersion: '2.12.0',
    exporterVersion: '0.223.0',
    otlp: (url: string): SpanExporterLike => new otel2.OTLPTraceExporter({ url, timeoutMillis: 3_000 }),
    // 2.x: the processor takes the exporter itself.
    provider: (exporter: BufferingSpanExporter): ProviderLike =>
      new otel2.BasicTracerProvider({ spanProcessors: [new otel2.BatchSpanProcessor(exporter)] }),
    api: { trace: otel2.trace, ROOT_CONTEXT: otel2.ROOT_CONTEXT },
  },
];

describe('the 2.x line resolves its own packages', () => {
  it('otel2-line loads sdk-trace-web 2.12.0, exporter 0.223.0 and, beneath them, api 1.9.1 and core 2.12.0', () => {
    // The package a bare name resolves to from `from`: its folder (some export no package.json) and version.
    const versionFrom = (from: string, name: string): { version: string; at: string } => {
      const entry = createRequire(from).resolve(name);
      const folder = entry.slice(0, entry.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}`.length);
      const { version } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { version: string };
      return { version, at: path.join(folder, 'package.json') };
    };
    const line = fileURLToPath(new URL('../otel2/index.ts', import.meta.url));
    const web = versionFrom(line, '@opentelemetry/sdk-trace-web');
    const exporter = versionFrom(line, '@opentelemetry/exporter-trace-otlp-http');
    expect([web.version, exporter.version]).toEqual(['2.12.0', '0.223.0']);
    // What the exporter and the SDK import, seen from where they are installed.
    expect(versionFrom(exporter.at, '@opentelemetry/otlp-exporter-base').version).toBe('0.223.0');
    expect(versionFrom(exporter.at, '@opentelemetry/core').version).toBe('2.12.0');
    expect(versionFrom(web.at, '@opentelemetry/sdk-trace-base').version).toBe('2.12.0');
    expect(versionFrom(web.at, '@opentelemetry/api').version).toBe('1.9.1');
    expect(path.relative(path.dirname(line), exporter.at).startsWith('node_modules')).toBe(true);
  });
});

for (const { line, sdkVersion, exporterVersion, otlp, provider: makeProvider, api } of LINES) {
  describe(`bufferingSpanExporter with the real SDK ${line} line, in Node`, () => {
    let collector: OtlpCollector;
    let buffer: TraceBuffer;
    let provider: ProviderLike;
    let send: ReturnType<typeof spanReplaySender>;
    let errors: TraceBufferError[];

    beforeEach(async () => {
      collector = new OtlpCollector();
      const exporter = otlp(await collector.start());
      errors = [];
      send = spanReplaySender(exporter);
      buffer = createTraceBuffer({ storage: 'memory', send, autoReplay: false, onError: (e) => errors.push(e) });
      provider = makeProvider(bufferingSpanExporter({ exporter, buffer }));
    });

    afterEach(async () => {
      await provider.shutdown();
      await buffer.close();
      await collector.stop();
    });

    /** Ends `count` spans (a parent and its children) and flushes them; returns their ids. */
    async function produce(count: number): Promise<string[]> {
      const tracer = provider.getTracer('otb-node-test');
      const parent = tracer.startSpan('parent');
      const children = Array.from({ length: count - 1 }, (_, i) =>
        tracer.startSpan(`child-${i}`, { attributes: { i } }, api.trace.setSpan(api.ROOT_CONTEXT, parent)),
      );
      for (const span of [...children, parent]) span.end();
      await provider.forceFlush();
      return [parent, ...children].map((span) => span.spanContext().spanId);
    }

    it('buffers spans while the collector is down and re-exports each exactly once when it is up', async () => {
      const ids = await produce(4);
      expect(collector.refusedRequests).toBeGreaterThan(0);
      expect((await buffer.getBufferStatus()).totalTraces).toBe(4);

      collector.answer = 'up';
      expect(await buffer.replayBufferedTraces()).toMatchObject({ successCount: 4, failureCount: 0 });
      expect((await buffer.replayBufferedTraces()).totalTraces).toBe(0);
      expect([...collector.accepted].sort()).toEqual([...ids].sort());
      // The SDK and the exporter that ran are this line's.
      expect([...collector.sdkVersions]).toEqual([sdkVersion]);
      expect(
        [...collector.userAgents].every((ua) => ua.includes(`OTel-OTLP-Exporter-JavaScript/${exporterVersion}`)),
      ).toBe(true);
      expect(errors).toEqual([]);
    });

    it("refuses the spans on the collector's 400, once, and pauses on its 401 with every span kept", async () => {
      await produce(3);
      collector.answer = 400;
      const refused = await buffer.replayBufferedTraces();
      expect(refused.failedTraces.map((t) => [t.retryable, t.blocked])).toEqual(Array(3).fill([false, undefined]));
      expect(errors.map((e) => [e.code, e.details?.['status']])).toEqual([['SEND_FAILED', 400]]);
      const requests = collector.refusedRequests;
      expect((await buffer.replayBufferedTraces()).totalTraces).toBe(0);
      expect(collector.refusedRequests).toBe(requests);

      await produce(2);
      collector.answer = 401;
      const paused = await buffer.replayBufferedTraces();
      expect(paused.failedTraces.map((t) => [t.blocked, t.attempts])).toEqual(Array(2).fill([true, 0]));
      expect((await buffer.getBufferStatus()).blocked).toMatchObject({ status: 401 });
      expect(errors.filter((e) => e.code === 'SEND_BLOCKED')).toHaveLength(1);

      collector.answer = 'up';
      buffer.resume();
      expect(await buffer.replayBufferedTraces()).toMatchObject({ successCount: 2, failureCount: 0 });
      expect(collector.accepted).toHaveLength(2);
    });
  });
}
