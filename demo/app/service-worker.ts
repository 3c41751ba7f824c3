/**
 * Caches the app shell so the demo reloads offline. API and collector calls
 * are never touched: a cached chat answer or delivery receipt would be a lie.
 * Written against small local types because the project compiles with the DOM
 * library, not the service worker one.
 */

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

interface FetchEventLike extends ExtendableEventLike {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}

interface ServiceWorkerScopeLike {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
}

interface AppShell {
  version: string;
  files: string[];
}

const worker = self as unknown as ServiceWorkerScopeLike;
const CACHE_NAME = 'otb-demo-app-shell';
const APP_SHELL_PATH = '/app-shell.json';
const NETWORK_ONLY_PREFIXES = ['/api/', '/collector/'];
/** A page load waits this long for the network (a flaky one) before using the cache. */
const NETWORK_TIMEOUT_MS = 3_000;

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const answer = await fetch(APP_SHELL_PATH, { cache: 'no-store' });
      if (!answer.ok) throw new Error(`${APP_SHELL_PATH} answered ${answer.status}`);
      const shell = (await answer.clone().json()) as AppShell;
      const cache = await caches.open(CACHE_NAME);
      await cache.addAll(shell.files.map((file) => new Request(file, { cache: 'reload' })));
      await cache.put(APP_SHELL_PATH, answer);
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      // Drop files of older builds; the list just installed says what is current.
      const cache = await caches.open(CACHE_NAME);
      const shell = (await (await cache.match(APP_SHELL_PATH))?.json()) as AppShell | undefined;
      if (shell) {
        const keep = new Set([...shell.files, APP_SHELL_PATH]);
        for (const request of await cache.keys()) {
          if (!keep.has(new URL(request.url).pathname)) await cache.delete(request);
        }
      }
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== worker.location.origin) return;
  if (NETWORK_ONLY_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === 'navigate') event.respondWith(networkFirst(request, '/'));
  else if (url.pathname.startsWith('/assets/')) event.respondWith(cacheFirst(request));
  else event.respondWith(networkFirst(request, url.pathname));
});

/** Fresh when the network answers, the cached copy when it does not. */
async function networkFirst(request: Request, cacheKey: string): Promise<Response> {
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) await (await caches.open(CACHE_NAME)).put(cacheKey, response.clone());
    return response;
  } catch (error) {
    const cached = await caches.match(cacheKey);
    if (cached) return cached;
    throw error;
  }
}

/** Hashed assets never change under their name. */
async function cacheFirst(request: Request): Promise<Response> {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await (await caches.open(CACHE_NAME)).put(request, response.clone());
  return response;
}

/** A navigation request cannot be re-created with an abort signal, so the wait is raced instead. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
