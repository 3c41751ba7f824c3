import { createTraceState } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { classifyFailure, type SendResult } from '../../src/core/delivery.js';
import { createTraceBuffer } from '../../src/index.js';
import {
  bufferingSpanExporter,
  EXPORT_FAILED,
  EXPORT_SUCCESS,
  spanReplaySender,
  spansFromJson,
  spanToJson,
  type ExportResultLike,
  type ReadableSpanLike,
  type SpanExporterLike,
} from '../../src/otel/index.js';
import type { BufferedTrace } from '../../src/core/record.js';

const resource = { attributes: { 'service.name': 'web' }, schemaUrl: 'https://schema.example/1' };

function span(spanId: string, fields: Partial<ReadableSpanLike> = {}): ReadableSpanLike {
  const context = { traceId: 'a'.repeat(32), spanId, traceFlags: 1, traceState: createTraceState('vendor=x') };
  return {
    name: `span ${spanId}`,
    kind: 2,
    spanContext: () => context,
    parentSpanContext: { traceId: 'a'.repeat(32), spanId: 'f'.repeat(16), traceFlags: 1, isRemote: true },
    startTime: [1_700_000_000, 5],
    endTime: [1_700_000_001, 7],
    duration: [1, 2],
    ended: true,
    status: { code: 2, message: 'boom' },
    attributes: { text: 'hi', count: 3, ratio: 0.5, ok: true, list: ['a', 'b'], bytes: new Uint8Array([0, 255, 7]) },
    links: [{ context: { traceId: 'b'.repeat(32), spanId: 'c'.repeat(16), traceFlags: 0 }, attributes: { l: 1 } }],
    events: [{ name: 'step', time: [1_700_000_000, 9], attributes: { e: 'v' }, droppedAttributesCount: 1 }],
    resource,
    instrumentationScope: { name: 'scope', version: '1.2.3' },
    droppedAttributesCount: 0,
    droppedEventsCount: 1,
    droppedLinksCount: 2,
    ...fields,
  };
}

/** An exporter that answers from a script and records what it was given. */
function scriptedExporter(answers: ExportResultLike[]): SpanExporterLike & { exported: ReadableSpanLike[][] } {
  const exported: ReadableSpanLike[][] = [];
  return {
    exported,
    export(spans, resultCallback) {
      exported.push(spans);
      const answer = answers.shift() ?? { code: EXPORT_SUCCESS };
      setTimeout(() => resultCallback(answer), 0);
    },
    shutdown: () => Promise.resolve(),
  };
}

/** The fields of a span that are plain data (no functions, no resource object). */
function plainFields(s: ReadableSpanLike): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(s).filter(([key]) => !['spanContext', 'parentSpanContext', 'resource'].includes(key)),
  );
}

function exportThrough(exporter: SpanExporterLike, spans: ReadableSpanLike[]): Promise<ExportResultLike> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

describe('span JSON', () => {
  it('round-trips every field an exporter reads', () => {
    const original = span('1'.repeat(16));
    const json = JSON.parse(JSON.stringify(spanToJson(original))) as ReturnType<typeof spanToJson>;
    const [rebuilt] = spansFromJson([json]);
    expect(rebuilt!.spanContext()).toMatchObject({ traceId: 'a'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 });
    expect(rebuilt!.spanContext().traceState?.serialize()).toBe('vendor=x');
    expect(rebuilt!.parentSpanContext).toEqual(original.parentSpanContext);
    expect(plainFields(rebuilt!)).toEqual(plainFields(original));
    expect(rebuilt!.attributes['bytes']).toBeInstanceOf(Uint8Array);
    expect(rebuilt!.resource.attributes).toEqual(resource.attributes);
    expect(rebuilt!.resource.schemaUrl).toBe(resource.schemaUrl);
  });

  it('rebuilds spans of one resource with one shared resource object', () => {
    const forms = [spanToJson(span('1'.repeat(16))), spanToJson(span('2'.repeat(16)))];
    const other = spanToJson(span('3'.repeat(16), { resource: { attributes: { 'service.name': 'worker' } } }));
    const [a, b, c] = spansFromJson([...forms, other]);
    expect(a!.resource).toBe(b!.resource);
    expect(c!.resource).not.toBe(a!.resource);
  });
});

describe('bufferingSpanExporter', () => {
  it('passes successful exports through without buffering', async () => {
    const buffer = createTraceBuffer({ storage: 'memory' });
    const inner = scriptedExporter([{ code: EXPORT_SUCCESS }]);
    const result = await exportThrough(bufferingSpanExporter({ exporter: inner, buffer }), [span('1'.repeat(16))]);
    expect(result.code).toBe(EXPORT_SUCCESS);
    expect((await buffer.getBufferStatus()).totalTraces).toBe(0);
  });

  it('buffers the spans of a failed export, reports success, and replays them through the exporter', async () => {
    const inner = scriptedExporter([{ code: EXPORT_FAILED, error: new Error('collector down') }]);
    const buffer = createTraceBuffer({ storage: 'memory', send: spanReplaySender(inner), autoReplay: false });
    const exporter = bufferingSpanExporter({ exporter: inner, buffer });
    const spans = [span('1'.repeat(16)), span('2'.repeat(16))];
    expect((await exportThrough(exporter, spans)).code).toBe(EXPORT_SUCCESS);
    const buffered = await buffer.getBufferedTraces();
    expect(buffered.map((trace) => trace.traceData['format'])).toEqual(['otel-span/1', 'otel-span/1']);

    const replay = await buffer.replayBufferedTraces();
    expect(replay).toMatchObject({ successCount: 2, failureCount: 0 });
    expect(inner.exported).toHaveLength(2);
    expect(inner.exported[1]!.map((s) => s.spanContext().spanId)).toEqual(['1'.repeat(16), '2'.repeat(16)]);
  });

  it('reports the original failure when the spans could not be stored', async () => {
    const buffer = createTraceBuffer({ storage: 'memory', maxBufferSize: 0 });
    const failure = { code: EXPORT_FAILED, error: new Error('collector down') };
    const result = await exportThrough(bufferingSpanExporter({ exporter: scriptedExporter([failure]), buffer }), [
      span('1'.repeat(16)),
    ]);
    expect(result).toBe(failure);
  });
});

describe('spanReplaySender', () => {
  const record = (traceData: BufferedTrace['traceData']): BufferedTrace => ({
    id: crypto.randomUUID(),
    traceData,
    config: {},
    inferencePipelineId: null,
    timestamp: Date.now(),
    attempts: 0,
    metadata: { bufferVersion: '1.0', createdBy: 'test' },
  });

  it('throws a retryable failure when the exporter fails, and a permanent one for its HTTP 400', async () => {
    const spanRecord = record({ format: 'otel-span/1', span: spanToJson(span('1'.repeat(16))) });
    const send = spanReplaySender(
      scriptedExporter([
        { code: EXPORT_FAILED, error: new Error('network') },
        { code: EXPORT_FAILED, error: Object.assign(new Error('bad request'), { code: 400 }) },
      ]),
    );
    const failures: unknown[] = [];
    for (let i = 0; i < 2; i++) await send([spanRecord]).catch((error: unknown) => failures.push(error));
    expect(failures.map(classifyFailure)).toMatchObject([{ retryable: true }, { retryable: false, status: 400 }]);
  });

  it("reports the status of the 2.x browser transport's plain Error, and a 503 as retryable (issue 14)", async () => {
    const spanRecord = record({ format: 'otel-span/1', span: spanToJson(span('1'.repeat(16))) });
    const send = spanReplaySender(
      scriptedExporter([
        { code: EXPORT_FAILED, error: new Error('Fetch request failed with non-retryable status 400') },
        { code: EXPORT_FAILED, error: new Error('Export failed', { cause: new Error('status 503') }) },
      ]),
    );
    const failures: unknown[] = [];
    for (let i = 0; i < 2; i++) await send([spanRecord]).catch((error: unknown) => failures.push(error));
    expect(failures.map(classifyFailure)).toMatchObject([
      { retryable: false, status: 400 },
      { retryable: true, status: 503 },
    ]);
  });

  it('reports a record that is not a span as permanent and exports the rest', async () => {
    const inner = scriptedExporter([]);
    const good = record({ format: 'otel-span/1', span: spanToJson(span('1'.repeat(16))) });
    const bad = record({ format: 'otel-span/1', span: { name: 'half a span' } });
    const result = (await spanReplaySender(inner)([good, bad])) as SendResult;
    expect(result.failed).toMatchObject([{ id: bad.id, retryable: false }]);
    expect(inner.exported).toHaveLength(1);
    expect(inner.exported[0]).toHaveLength(1);
  });
});
