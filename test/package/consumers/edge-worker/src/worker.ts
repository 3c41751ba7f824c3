// A Cloudflare Worker: buffer in memory for the request's lifetime, deliver
// after the response with waitUntil, through the runtime's fetch.
import { createTraceBuffer, deliveryError, openlayerSender } from 'offline-trace-buffer';
import type { TraceBuffer } from 'offline-trace-buffer';

interface Env {
  OPENLAYER_API_KEY: string;
  COLLECTOR_URL: string;
}

function buffers(env: Env): TraceBuffer[] {
  const openlayer = createTraceBuffer({
    name: 'edge',
    storage: 'memory',
    autoReplay: false,
    send: openlayerSender({ apiKey: env.OPENLAYER_API_KEY, inferencePipelineId: 'YOUR_PIPELINE_ID', fetch }),
  });
  // `send` as the options table describes it: `(traces, { signal, attempt }) => Promise`.
  const collector = createTraceBuffer({
    name: 'edge-collector',
    storage: 'memory',
    autoReplay: false,
    send: async (traces, { signal, attempt }) => {
      const response = await fetch(env.COLLECTOR_URL, {
        method: 'POST',
        headers: { 'x-attempt': String(attempt) },
        body: JSON.stringify(traces),
        signal,
      });
      if (!response.ok) throw deliveryError({ status: response.status });
    },
  });
  return [openlayer, collector];
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const started = Date.now();
    const answer = new Response('hello');
    for (const buffer of buffers(env)) {
      await buffer.storeTrace({ inferenceId: crypto.randomUUID(), url: request.url, latency: Date.now() - started });
      ctx.waitUntil(buffer.replayBufferedTraces().then(() => buffer.close()));
    }
    return answer;
  },
} satisfies ExportedHandler<Env>;
