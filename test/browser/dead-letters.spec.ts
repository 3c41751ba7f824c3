import type { Page } from '@playwright/test';
import { expect, openHarness, test } from '../support/harness.js';
import { serveOnLoopback, type LoopbackServer } from '../support/loopback-server.js';

// Dead letters on real storage: IndexedDB in the page, OPFS in a dedicated
// worker, both against a real HTTP server on 127.0.0.1 that first refuses
// every row with 422 and a message, then accepts. The steps are in
// test/pages/dead-letter-steps.ts; the page is reloaded between them.

interface Server extends LoopbackServer {
  refusing: boolean;
  deliveries: Map<string, number>;
}

async function startServer(): Promise<Server> {
  const state = { refusing: true, deliveries: new Map<string, number>() };
  const server = await serveOnLoopback(
    {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Headers': 'content-type, idempotency-key, authorization',
    },
    (_request, body, response) => {
      if (state.refusing) {
        response.writeHead(422).end('row 0: the column "output" has the wrong type');
        return;
      }
      const { rows } = JSON.parse(body.toString('utf8')) as { rows: { inferenceId: string }[] };
      for (const row of rows) state.deliveries.set(row.inferenceId, (state.deliveries.get(row.inferenceId) ?? 0) + 1);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
    },
  );
  return Object.assign(state, server);
}

let server: Server;
test.beforeEach(async () => {
  server = await startServer();
});
test.afterEach(async () => {
  await server.close();
});

const storages = {
  indexeddb: {
    refuse: (page: Page, name: string, url: string) =>
      page.evaluate(([n, u]) => window.otb.deadLetters.refuseStep(n!, 'indexeddb', u!), [name, url]),
    retry: (page: Page, name: string, url: string) =>
      page.evaluate(([n, u]) => window.otb.deadLetters.retryStep(n!, 'indexeddb', u!), [name, url]),
  },
  'opfs (in a dedicated worker)': {
    refuse: (page: Page, name: string, url: string) =>
      page.evaluate(([n, u]) => window.otb.workers.shared().deadLetterRefuse(n!, 'opfs', u!), [name, url]),
    retry: (page: Page, name: string, url: string) =>
      page.evaluate(([n, u]) => window.otb.workers.shared().deadLetterRetry(n!, 'opfs', u!), [name, url]),
  },
};

for (const [storage, steps] of Object.entries(storages)) {
  test(`${storage}: a 422 makes dead letters with its status and message that survive a reload; retryDeadLetters delivers each once; the cap evicts the oldest; deadLetters:false drops as rejected`, async ({
    page,
  }) => {
    await openHarness(page);
    const name = `dead-${Date.now().toString(36)}`;
    const kind = storage.startsWith('opfs') ? 'opfs' : 'indexeddb';
    const refused = await steps.refuse(page, name, server.origin);
    expect(refused).toMatchObject({
      failureCount: 3,
      totalTraces: 0,
      deadLetters: 3,
      deadLetterStorage: kind,
      rejected: 0,
      deadLettered: ['dl-1', 'dl-2', 'dl-3'],
      dropped: 0,
      cappedLetters: ['cap-2', 'cap-3'],
      cappedDropped: 1,
      offDropped: 3,
      offDeadLetters: 0,
      offEvents: 0,
    });
    for (const letter of refused.letters) {
      expect(letter.status).toBe(422);
      expect(letter.message).toContain('the column "output" has the wrong type');
    }
    expect(refused.letters.map((l) => l.inferenceId)).toEqual(['dl-1', 'dl-2', 'dl-3']);
    expect(server.deliveries.size).toBe(0);

    await page.reload();
    await page.waitForFunction(() => window.otb?.ready === true);
    server.refusing = false;
    const retried = await steps.retry(page, name, server.origin);
    expect(retried).toEqual({
      before: 3,
      kept: ['dl-1', 'dl-2', 'dl-3'],
      retried: 3,
      queued: [0, 0, 0],
      successCount: 3,
      after: { totalTraces: 0, deadLetters: 0 },
    });
    expect(Object.fromEntries(server.deliveries)).toEqual({ 'dl-1': 1, 'dl-2': 1, 'dl-3': 1 });
  });
}
