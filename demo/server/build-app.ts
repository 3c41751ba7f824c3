import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join, relative, sep } from 'node:path';
import { build, type Rolldown } from 'vite';

const APP_DIR = fileURLToPath(new URL('../app/', import.meta.url));
const PUBLIC_DIR = join(APP_DIR, 'public');
const LIBRARY_ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const WORKER_ENTRY = fileURLToPath(new URL('../../src/worker/index.ts', import.meta.url));

export interface BuiltFile {
  body: Buffer;
  /** Content-hashed files never change under their name. */
  immutable: boolean;
}

export interface BuiltApp {
  /** URL path (leading slash) to contents. */
  files: Map<string, BuiltFile>;
  /** Changes whenever any file does; names the service worker's cache generation. */
  version: string;
}

/**
 * Builds the page in memory on every start: the service worker wants stable,
 * hashed assets (a dev server's on-demand modules cannot be cached for offline
 * use), and building into memory leaves nothing stale on disk and lets several
 * demo servers (tests) build side by side. The library is imported from src/,
 * so the demo always shows the current code.
 */
export async function buildApp(): Promise<BuiltApp> {
  const output = await build({
    configFile: false,
    root: APP_DIR,
    base: '/',
    logLevel: 'warn',
    clearScreen: false,
    publicDir: false,
    resolve: {
      alias: [
        { find: /^offline-trace-buffer$/, replacement: LIBRARY_ENTRY },
        { find: /^offline-trace-buffer\/worker$/, replacement: WORKER_ENTRY },
      ],
    },
    worker: { format: 'es' },
    build: {
      write: false,
      target: 'es2022',
      minify: false,
      sourcemap: false,
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input: { index: join(APP_DIR, 'index.html'), sw: join(APP_DIR, 'service-worker.ts') },
        output: {
          // The service worker's URL is its identity and must not change between builds.
          entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
        },
      },
    },
  });
  const files = new Map<string, BuiltFile>();
  for (const result of Array.isArray(output) ? output : [output as Rolldown.RolldownOutput]) {
    for (const item of result.output) {
      const body = item.type === 'chunk' ? Buffer.from(item.code) : Buffer.from(item.source);
      files.set(`/${item.fileName}`, { body, immutable: item.fileName.startsWith('assets/') });
    }
  }
  for (const path of await listFiles(PUBLIC_DIR)) {
    const urlPath = '/' + relative(PUBLIC_DIR, path).split(sep).join('/');
    files.set(urlPath, { body: await readFile(path), immutable: false });
  }
  const digest = createHash('sha256');
  for (const [path, file] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) digest.update(path).update(file.body);
  const version = digest.digest('hex').slice(0, 12);
  // A browser installs a new service worker only when sw.js changes by a byte:
  // stamping the build's version into it makes every new build re-cache the shell.
  const serviceWorker = files.get('/sw.js');
  if (serviceWorker) {
    files.set('/sw.js', {
      ...serviceWorker,
      body: Buffer.concat([serviceWorker.body, Buffer.from(`\n// app shell ${version}\n`)]),
    });
  }
  return { files, version };
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(path)));
    else found.push(path);
  }
  return found;
}
