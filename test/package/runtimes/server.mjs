// Node, Bun and Deno run this with a case name and the collector's URL; it
// prints one JSON line with what it saw and then ends by itself (or not: the
// exit cases check exactly that).
import { createTraceBuffer } from 'offline-trace-buffer';
import { postTo, roundTrip } from './round-trip.mjs';

const [kind, collectorUrl, tag] = globalThis.Deno?.args ?? process.argv.slice(2);
const print = (facts) => console.log(JSON.stringify(facts));

if (kind === 'round-trip') {
  print(await roundTrip(collectorUrl, tag));
} else if (kind.startsWith('exit-')) {
  // A buffer left open, with automatic replay on (its timers must not hold the process).
  const errors = [];
  const buffer = createTraceBuffer({
    name: 'runtime-exit',
    send: postTo(collectorUrl),
    onError: (error) => {
      errors.push({ code: error.code, count: error.details?.count });
      if (error.code === 'UNSENT_AT_EXIT') console.log(JSON.stringify({ warned: errors }));
    },
  });
  await buffer.storeTrace({ inferenceId: `${tag}-1` });
  await buffer.storeTrace({ inferenceId: `${tag}-2` });
  // 'exit-delivered' delivers everything but leaves the buffer open; 'exit-drained'
  // does what the README says to do before exit: replay what is left, then close.
  if (kind !== 'exit-unsent') await buffer.replayBufferedTraces();
  if (kind === 'exit-drained') await buffer.close();
  print({ ready: true, errors });
} else {
  throw new Error(`unknown case ${kind}`);
}
