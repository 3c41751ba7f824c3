import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>`: the port is the system's choice, so parallel runs never collide. */
  origin: string;
  /** Ends every connection (held requests too) and stops listening. */
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 for browser tests, as a collector would be. It
 * sends `cors` on every answer, answers preflights itself, and hands every
 * other request to `onRequest` once its whole body has arrived.
 */
export async function serveOnLoopback(
  cors: Record<string, string>,
  onRequest: (request: IncomingMessage, body: Buffer, response: ServerResponse) => void,
): Promise<LoopbackServer> {
  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(cors)) response.setHeader(name, value);
    if (request.method === 'OPTIONS') {
      response.writeHead(204).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => onRequest(request, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
