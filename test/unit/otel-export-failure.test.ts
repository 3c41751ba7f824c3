import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/core/delivery.js';
import { exportFailureStatus } from '../../src/otel/export-failure.js';

describe('exportFailureStatus (issue 14)', () => {
  it('reads the numeric code of an OTLPExporterError (3.x and node transports)', () => {
    expect(exportFailureStatus(Object.assign(new Error('Bad Request'), { code: 400 }))).toBe(400);
  });

  it('reads a status field', () => {
    expect(exportFailureStatus({ message: 'x', status: 503 })).toBe(503);
  });

  it("reads the browser fetch transport's plain Error message (2.x line, no code)", () => {
    expect(exportFailureStatus(new Error('Fetch request failed with non-retryable status 400'))).toBe(400);
  });

  it('follows the cause chain', () => {
    const inner = new Error('Fetch request failed with non-retryable status 422');
    expect(exportFailureStatus(new Error('Export failed', { cause: inner }))).toBe(422);
  });

  it('gives no status for a network failure, and survives a cause loop', () => {
    expect(exportFailureStatus(new TypeError('Failed to fetch'))).toBeUndefined();
    const looped = new Error('timeout') as Error & { cause?: unknown };
    looped.cause = looped;
    expect(exportFailureStatus(looped)).toBeUndefined();
    expect(exportFailureStatus(undefined)).toBeUndefined();
  });

  it('a status so learnt is judged by the core like any other sender (400 refused)', () => {
    expect(classifyFailure({ status: exportFailureStatus(new Error('non-retryable status 400')) })).toMatchObject({
      retryable: false,
    });
  });
});
