// Vercel's edge-runtime: the round trip inside a fetch event, and what the
// status of a buffer with `send` says there.
import { createTraceBuffer } from 'offline-trace-buffer';
import { postTo, roundTrip, statusFacts } from './round-trip.mjs';

addEventListener('fetch', (event) => {
  const collector = new URL(event.request.url).searchParams.get('collector');
  event.respondWith(
    (async () => {
      const withSend = createTraceBuffer({ name: 'edge-send', send: postTo(collector) });
      const { autoReplay, manualReplayReason } = statusFacts(await withSend.getBufferStatus());
      await withSend.close();
      const facts = await roundTrip(collector, 'edge-runtime');
      return Response.json({ ...facts, withSend: { autoReplay, manual: typeof manualReplayReason } });
    })(),
  );
});
