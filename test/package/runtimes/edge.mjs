// Vercel's edge-runtime: the round trip inside a fetch event.
import { roundTrip } from './round-trip.mjs';

addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  event.respondWith(roundTrip(url.searchParams.get('collector'), 'edge-runtime').then((facts) => Response.json(facts)));
});
