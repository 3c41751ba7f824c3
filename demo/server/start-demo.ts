import { createServer, type Server } from 'node:http';
import { buildApp } from './build-app.js';
import { handleChat } from './chat-api.js';
import { createCollector } from './collector.js';
import { HttpError, sendJson } from './http-io.js';
import { serveBuiltApp } from './static-files.js';

export interface DemoOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  /** Where the collector keeps what it received. */
  dataDir: string;
}

export interface RunningDemo {
  url: string;
  dataFile: string;
  buildMs: number;
  close(): Promise<void>;
}

/** One process, three jobs: the built page, the fake model, and the collector. */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const host = options.host ?? '127.0.0.1';
  const started = Date.now();
  const app = await buildApp();
  const buildMs = Date.now() - started;
  const collector = await createCollector(options.dataDir);
  const serveStatic = serveBuiltApp(app);

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://demo');
    const route = async (): Promise<void> => {
      if (await collector.handle(request, response, url.pathname, url.searchParams)) return;
      if (await handleChat(request, response, url.pathname)) return;
      if (serveStatic(request, response, url.pathname)) return;
      sendJson(response, 404, { error: `nothing at ${request.method} ${url.pathname}` });
    };
    route().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) console.error('demo server:', error);
      if (!response.headersSent) sendJson(response, status, { error: (error as Error).message });
      else response.destroy();
    });
  });

  await listen(server, options.port, host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}/`,
    dataFile: collector.file,
    buildMs,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Open tabs keep idle keep-alive connections; without this, close waits for them.
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
