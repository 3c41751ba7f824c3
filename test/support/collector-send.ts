import { deliveryError, parseRetryAfter, type SendFunction } from '../../src/index.js';

/**
 * For Node tests against `startCollector()`: posts `[{ id, traceId }]` as the
 * browser pages do (test/pages/page-buffers.ts); an answer that is not 2xx
 * becomes a deliveryError with its status, `Retry-After` and, when the server
 * wrote one, its message.
 */
export function collectorPost(url: string): SendFunction {
  return async (traces, { signal }) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(traces.map((t) => ({ id: t.id, traceId: t.traceData['inferenceId'] }))),
      signal,
    });
    if (response.ok) return;
    const text = await response.text();
    const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'));
    throw deliveryError({
      status: response.status,
      ...(text !== '' && { message: text }),
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  };
}
