/**
 * The one place that tells an edge runtime whose I/O belongs to a request.
 * There a timer set in one request is cancelled with it (or, at module scope,
 * refused), so replay cannot run by itself: it runs when a request asks, or in
 * `ctx.waitUntil(...)` after the response.
 */
export function manualReplayReason(): string | null {
  const scope = globalThis as { navigator?: { userAgent?: unknown }; EdgeRuntime?: unknown };
  const runtime =
    scope.navigator?.userAgent === 'Cloudflare-Workers'
      ? 'Cloudflare Workers'
      : typeof scope.EdgeRuntime === 'string'
        ? "Vercel's edge runtime"
        : null;
  return (
    runtime && `${runtime} runs timers only within a request: call replayBufferedTraces() in one, or in waitUntil()`
  );
}
