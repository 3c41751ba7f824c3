import { describeError, TraceBufferError } from './errors.js';
import type { BackgroundSync } from './platform.js';
import type { Reporter } from './reporter.js';

/** The Background Sync tag of a buffer's name; the service worker entry listens to the same. */
export function backgroundSyncTag(name: string): string {
  return `offline-trace-buffer:${name}`;
}

export interface BackgroundSyncStatus {
  /** Whether this context can ask the browser to replay from the service worker. */
  supported: boolean;
  /** Why not (Firefox and Safari have no Background Sync, no service worker, turned off), else null. */
  reason: string | null;
  /** The tag the service worker entry listens to: `offline-trace-buffer:<name>`. */
  tag: string;
  /** When the tag was last registered (ms since the epoch), or null. */
  registeredAt: number | null;
}

/**
 * Registers the name's sync tag when traces may be left behind (stored while
 * offline, a replay that left traces, the page going away), so the service
 * worker replays them when the network is back even with no tab open. One
 * registration at a time; a failed one is reported once per reason and the
 * tabs' replay goes on as before.
 */
export class SyncRequest {
  readonly tag: string;
  #registeredAt: number | null = null;
  #failure: string | null = null;
  #inFlight = false;

  constructor(
    name: string,
    private readonly sync: BackgroundSync | null,
    /** The status's reason when `sync` is null. */
    private readonly absentReason: string,
    private readonly reporter: Reporter,
  ) {
    this.tag = backgroundSyncTag(name);
  }

  request(): void {
    if (!this.sync || this.#inFlight) return;
    this.#inFlight = true;
    this.sync.register(this.tag).then(
      (registered) => {
        if (registered) this.#registeredAt = Date.now();
        this.#failure = null;
        this.#inFlight = false;
      },
      (error: unknown) => {
        this.#inFlight = false;
        const reason = describeError(error);
        if (reason === this.#failure) return; // reported already
        this.#failure = reason;
        const message = `Background Sync tag "${this.tag}" was not registered (${reason}); the traces stay buffered for the tabs' replay.`;
        this.reporter.error(new TraceBufferError('BACKGROUND_SYNC_FAILED', message, { cause: error }));
      },
    );
  }

  async status(): Promise<BackgroundSyncStatus> {
    const reason = this.sync ? await this.sync.unsupportedReason() : this.absentReason;
    return {
      supported: reason === null,
      reason: reason ?? this.#failure,
      tag: this.tag,
      registeredAt: this.#registeredAt,
    };
  }
}
