/**
 * The one place that tells an edge runtime whose I/O belongs to a request.
 * There a timer set in one request is cancelled with it (or, at module scope,
 * refused), so replay cannot run by itself: it runs when a request asks, or in
 * `ctx.waitUntil(...)` after the response.
 */
export function manualReplayReason(): string | null {
  const scope = globalThis as { navigator?: { userAgent?: unknown }; EdgeRuntime?: unknown };
  if (scope.navigator?.userAgent === 'Cloudflare-Workers') {
    return 'Cloudflare Workers run timers and I/O only for the request that started them: call replayBufferedTraces() in a request or in ctx.waitUntil()';
  }
  if (typeof scope.EdgeRuntime === 'string') {
    return "Vercel's edge runtime runs work only while a request lasts: call replayBufferedTraces() in a request or in waitUntil()";
  }
  return null;
}
