import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import type { BuiltApp } from './build-app.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The list the service worker caches at install: everything the page needs to start offline. */
export const APP_SHELL_PATH = '/app-shell.json';

export function serveBuiltApp(app: BuiltApp) {
  const shell = JSON.stringify({
    version: app.version,
    files: ['/', ...[...app.files.keys()].filter((path) => path !== '/sw.js' && path !== '/index.html')],
  });

  return (request: IncomingMessage, response: ServerResponse, path: string): boolean => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    if (path === APP_SHELL_PATH) {
      response.writeHead(200, { 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-cache' });
      response.end(request.method === 'HEAD' ? undefined : shell);
      return true;
    }
    const filePath = path === '/' ? '/index.html' : path;
    const file = app.files.get(filePath);
    if (!file) return false;
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(filePath)] ?? 'application/octet-stream',
      'content-length': file.body.length,
      // Hashed assets are immutable; everything else is checked on each load so an update shows.
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}
