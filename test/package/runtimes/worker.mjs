// A Cloudflare Worker run by Miniflare (workerd). One buffer lives at module
// scope, created while the Worker starts (workerd forbids random values, timers
// and I/O there), and serves every request of the isolate; `/per-request`
// shows the other supported pattern, a buffer per request drained in waitUntil.
import { createTraceBuffer } from 'offline-trace-buffer';
import { postTo, roundTrip, statusFacts } from './round-trip.mjs';

const errors = [];
let collectorUrl = '';
const isolateBuffer = createTraceBuffer({
  name: 'isolate',
  // The binding is only known in a request; `send` reads it then.
  send: (traces, context) => postTo(`${collectorUrl}/isolate`)(traces, context),
  onError: (error) => errors.push(`${error.code}: ${error.message}`),
});

/** The other way to keep one: made by the first request, used by the next ones. */
let keptBuffer;

export default {
  async fetch(request, env, ctx) {
    collectorUrl = env.COLLECTOR_URL;
    const url = new URL(request.url);
    const id = url.searchParams.get('id');
    if (url.pathname === '/round-trip') return Response.json(await roundTrip(`${collectorUrl}/workerd`, id));
    if (url.pathname === '/per-request') {
      const buffer = createTraceBuffer({
        name: 'per-request',
        storage: 'memory',
        send: postTo(`${collectorUrl}/per-request`),
      });
      await buffer.storeTrace({ inferenceId: id });
      ctx.waitUntil(buffer.replayBufferedTraces().then(() => buffer.close()));
      return new Response('stored');
    }
    if (url.pathname === '/kept') {
      keptBuffer ??= createTraceBuffer({
        name: 'kept',
        send: postTo(`${collectorUrl}/kept`),
        onError: (error) => errors.push(`${error.code}: ${error.message}`),
      });
      await keptBuffer.storeTrace({ inferenceId: id });
      const replayError = await keptBuffer.replayBufferedTraces().then(() => null, String);
      return Response.json({ replayError, errors, status: statusFacts(await keptBuffer.getBufferStatus()) });
    }
    if (url.pathname !== '/status') await isolateBuffer.storeTrace({ inferenceId: id });
    let replayError = null;
    if (url.pathname === '/isolate') {
      // Replay in the request that asked for it.
      await isolateBuffer.replayBufferedTraces().catch((error) => (replayError = String(error)));
    } else if (url.pathname === '/isolate-wait-until') {
      ctx.waitUntil(isolateBuffer.replayBufferedTraces());
    }
    return Response.json({ replayError, errors, status: statusFacts(await isolateBuffer.getBufferStatus()) });
  },
};
