import type { DeadLetterStore } from './dead-letters.js';
import type { StorageBackend } from './storage-backend.js';

/**
 * What the core needs from the platform, declared here and implemented
 * outside `core/` (see create-trace-buffer.ts). The core touches no browser
 * API, so it runs in Node with fakes, and each platform API lives in one file
 * of `platform/` or `backends/`.
 */

/** The backend a buffer ended up on, and why it is not the one asked for. */
export interface BackendChoice {
  backend: StorageBackend;
  /** Set when 'auto' fell back (e.g. to memory because IndexedDB would not open). */
  fallbackReason: string | null;
}

/** A channel to every other tab and worker of the origin (BroadcastChannel). */
export interface Channel {
  post(message: unknown): void;
  close(): void;
}

/** The device's storage standing (`navigator.storage`), as far as this context can read it. */
export interface DeviceStorage {
  /** Bytes the origin uses and may use; null where the browser does not say. */
  estimate: () => Promise<{ usage: number | null; quota: number | null }>;
  /** Whether the origin's storage is exempt from eviction under pressure; missing where it cannot be read. */
  persisted?: () => Promise<boolean>;
  /** Asks for that exemption; missing outside pages (workers have no `persist()`). */
  persist?: () => Promise<boolean>;
}

/** gzip of a record's JSON text (`CompressionStream`); see `compressed-body.ts`. */
export interface TextCompression {
  compress: (text: string) => Promise<Uint8Array>;
  /** Rejects when the bytes are not a whole gzip stream of UTF-8 text. */
  decompress: (bytes: Uint8Array) => Promise<string>;
}

/** Background Sync: asks the browser to wake the service worker when the network is back. */
export interface BackgroundSync {
  /** Why this context cannot register a sync tag (no SyncManager, no registration), or null. */
  unsupportedReason: () => Promise<string | null>;
  /** Registers the tag: false when unsupported here (the status says why), rejects when the browser refused. */
  register: (tag: string) => Promise<boolean>;
}

export interface CorePlatform {
  /** Opens the storage; called lazily, and again after a failed open once its backoff has passed. */
  openBackend: () => Promise<BackendChoice>;
  /**
   * Where the dead letters of the buffer's storage `main` go (a store of the
   * same kind). Without it, traces refused for good are dropped (reason `rejected`).
   */
  deadLetterStore?: (main: StorageBackend) => DeadLetterStore;
  /** A new, full, random UUID per trace. */
  generateId: () => string;
  /** Runs `fn` under a lock shared by the origin; `undefined` when `ifAvailable` and taken. */
  withLock?: <T>(name: string, fn: () => Promise<T>, options?: { ifAvailable?: boolean }) => Promise<T | undefined>;
  /** Whether `withLock` really coordinates across tabs and workers. */
  locksAvailable?: boolean;
  openChannel?: (name: string, onMessage: (message: unknown) => void) => Channel | null;
  isKnownOffline?: () => boolean;
  /** Subscribes to `online`; returns the unsubscribe function. */
  watchOnline?: (onOnline: () => void) => () => void;
  /** Subscribes to page exit (pagehide, hidden); returns the unsubscribe function. */
  watchPageExit?: (onExit: () => void) => () => void;
  /**
   * Hands the host an error nobody else can take (an `onError` that threw).
   * Default: `console.error`, which every runtime has.
   */
  reportUncaught?: (error: unknown) => void;
  /**
   * Why replay cannot run by itself here (an edge runtime whose timers and I/O
   * belong to one request), or null: then a `send` starts no timer.
   */
  manualReplayReason?: string | null;
  /** `navigator.storage` where it exists, else null (WebKitGTK, servers, edges). */
  deviceStorage?: DeviceStorage | null;
  /** gzip where the runtime has `CompressionStream`; absent or null: records are stored uncompressed. */
  compression?: TextCompression | null;
  /** Ends the current task (between slices of gzip work); default `setTimeout(0)`. */
  yieldTask?: () => Promise<void>;
  /** Calls `onExit` once when a server process has nothing left to do; returns the unsubscribe function. */
  watchProcessExit?: (onExit: () => Promise<void>) => () => void;
  /** Background Sync where the platform has it, else null or missing (then the status says so). */
  backgroundSync?: BackgroundSync | null;
}
