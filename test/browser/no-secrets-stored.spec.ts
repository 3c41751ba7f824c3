import { HARNESS_ORIGIN } from '../support/harness-origin.js';
import { serveOnLoopback, type LoopbackServer } from '../support/loopback-server.js';
import { expect, test } from '../support/harness.js';

// The README promises that an API key is never written to storage: the
// senders hold it in memory only. Checked on what the browser really stored,
// every IndexedDB database of the origin read raw, after traces were buffered
// by a failed publish and a failed replay that both carried the key.

const API_KEY = 'sk-test-never-stored-7f3a';
const SESSION = 'session-never-stored-91c2';

let server: LoopbackServer;
const seenAuth: string[] = [];
test.beforeAll(async () => {
  server = await serveOnLoopback(
    {
      'Access-Control-Allow-Origin': HARNESS_ORIGIN,
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Session, Idempotency-Key',
    },
    (request, _body, response) => {
      seenAuth.push(`${String(request.headers['authorization'])} ${String(request.headers['x-session'])}`);
      response.writeHead(503).end();
    },
  );
});
test.afterAll(() => server.close());

/**
 * Runs in the page: every value of every store of database `name`, read
 * without the library, as JSON.
 */
async function rawDatabase(name: string): Promise<string> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error ?? new Error('open failed'));
  });
  const values: unknown[] = [];
  for (const storeName of Array.from(db.objectStoreNames)) {
    const all = db.transaction(storeName).objectStore(storeName).getAll();
    values.push(
      await new Promise((resolve, reject) => {
        all.onsuccess = () => resolve(all.result);
        all.onerror = () => reject(all.error ?? new Error('read failed'));
      }),
    );
  }
  db.close();
  return JSON.stringify(values);
}

test('openlayerSender: the API key and extra headers are sent but never written to IndexedDB', async ({ harness }) => {
  const stored = await harness.evaluate(
    async ({ baseURL, apiKey, session, name }) => {
      const { createTraceBuffer, openlayerSender, databaseNameFor } = window.otb.library;
      const send = openlayerSender({ baseURL, apiKey, headers: { 'X-Session': session }, inferencePipelineId: 'p-1' });
      const buffer = createTraceBuffer({ name, send, autoReplay: false });
      for (let i = 0; i < 3; i++) await buffer.publish({ inferenceId: `k-${i}`, output: 'hello' });
      await buffer.replayBufferedTraces();
      const status = await buffer.getBufferStatus();
      await buffer.close();
      return { total: status.totalTraces, database: databaseNameFor(name) };
    },
    { baseURL: server.origin, apiKey: API_KEY, session: SESSION, name: `secrets-${Date.now().toString(36)}` },
  );
  const raw = await harness.evaluate(rawDatabase, stored.database);
  await harness.evaluate((name) => void indexedDB.deleteDatabase(name), stored.database);
  // The key really went out, and the traces really are stored.
  expect(seenAuth).toContain(`Bearer ${API_KEY} ${SESSION}`);
  expect(stored.total).toBe(3);
  expect(raw).toContain('k-2');
  expect(raw).not.toContain(API_KEY);
  expect(raw).not.toContain(SESSION);
});

// The OpenTelemetry entry stores spans, not requests: the OTLP exporter holds
// its headers. Checked on both SDK lines' pages (test/browser/otel.spec.ts).
for (const { line, path } of [
  { line: '3.x', path: '/otel.html' },
  { line: '2.x', path: '/otel2.html' },
]) {
  test(`bufferingSpanExporter (SDK ${line}): the OTLP exporter's headers are sent but never written to IndexedDB`, async ({
    page,
  }) => {
    await page.goto(path);
    await page.waitForFunction(() => window.otbOtel?.ready === true);
    const name = `otel-secrets-${line}-${Date.now().toString(36)}`;
    const before = seenAuth.length;
    const total = await page.evaluate(
      async ({ url, apiKey, session, name }) => {
        window.otbOtel.setUp(url, name, { Authorization: `Bearer ${apiKey}`, 'X-Session': session });
        await window.otbOtel.produce(3, 'secret');
        const status = await window.otbOtel.status();
        return status.totalTraces;
      },
      { url: `${server.origin}/v1/traces`, apiKey: API_KEY, session: SESSION, name },
    );
    const raw = await page.evaluate(rawDatabase, `offline-trace-buffer:${name}`);
    await page.evaluate(() => window.otbOtel.tearDown());
    // The headers really went out, and the spans really are stored.
    expect(seenAuth.slice(before)).toContain(`Bearer ${API_KEY} ${SESSION}`);
    expect(total).toBe(3);
    expect(raw).toContain('secret-parent');
    expect(raw).not.toContain(API_KEY);
    expect(raw).not.toContain(SESSION);
  });
}
