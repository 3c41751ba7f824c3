// The collector the runtime matrix delivers to: a real HTTP server on
// 127.0.0.1 that records the inferenceIds posted to each path, and answers 503
// on /fail so traces stay unsent.
import { createServer } from 'node:http';

export async function startRuntimeCollector() {
  const received = new Map();
  const waiters = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const key = request.url.slice(1);
      if (key === 'fail') {
        response.writeHead(503).end();
        return;
      }
      received.set(key, [...(received.get(key) ?? []), ...JSON.parse(body)]);
      response.writeHead(200).end('{}');
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: (key) => `${origin}/${key}`,
    received: (key) => received.get(key) ?? [],
    /**
     * Resolves once `count` ids arrived at `key` (deliveries made after a
     * response, in waitUntil); rejects if they have not after 30 s, a liveness
     * guard so a delivery that never comes fails the check instead of hanging.
     */
    async waitFor(key, count) {
      const deadline = Date.now() + 30_000;
      while ((received.get(key) ?? []).length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`${key}: ${count} deliveries expected, got ${JSON.stringify(received.get(key) ?? [])}`);
        await new Promise((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, left);
        });
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
