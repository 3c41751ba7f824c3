import { TraceBufferError } from './errors.js';
import type { BufferEvent, BufferListener } from './events.js';
import type { Channel, CorePlatform } from './platform.js';
import { callbackFailed } from './reporter.js';

/**
 * How long events wait before they are posted to other tabs and workers, so a
 * run of stores costs one message instead of one each: a post per store was
 * 15% of a sequential store's time in both engines.
 */
const BROADCAST_COALESCE_MS = 20;

/** The channel of buffer `name`'s changes, shared by every tab and worker of the origin. */
export function eventChannelName(name: string): string {
  return `offline-trace-buffer:${name}:events`;
}

/** What goes over the channel (`event` alone is how 0.1.0 posted). */
export interface ChannelMessage {
  from: string;
  events?: BufferEvent[];
  event?: BufferEvent;
}

export interface EventBusOptions {
  channelName: string;
  /** This buffer's id: its own messages coming back are ignored. */
  instanceId: string;
  openChannel: CorePlatform['openChannel'];
  onEvent: BufferListener | undefined;
  report: (error: TraceBufferError) => void;
  /** A closed buffer opens no channel. */
  isClosed: () => boolean;
}

/**
 * Delivers every change to this buffer's listeners at once, and to the other
 * tabs and workers of the origin through an outbox posted every 20 ms, where
 * consecutive events of one kind travel as one. The channel opens on first
 * use: creating a buffer opens nothing.
 */
export class EventBus {
  readonly #listeners = new Set<BufferListener>();
  readonly #options: EventBusOptions;
  #channel: Channel | null | undefined;
  #outbox: BufferEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: EventBusOptions) {
    this.#options = options;
  }

  subscribe(listener: BufferListener): () => void {
    this.#listeners.add(listener);
    this.channel();
    return () => this.#listeners.delete(listener);
  }

  emit(event: BufferEvent): void {
    this.#deliverLocally(event);
    if (!this.channel()) return;
    // Errors lose their fields in structured clone: send the plain ones.
    const plain: BufferEvent =
      event.type === 'dropped' && event.error
        ? { ...event, error: { code: event.error.code, message: event.error.message, name: event.error.name } }
        : event;
    const last = this.#outbox[this.#outbox.length - 1];
    const merged = last ? merge(last, plain) : null;
    if (merged) this.#outbox[this.#outbox.length - 1] = merged;
    else this.#outbox.push(plain);
    this.#timer ??= setTimeout(() => this.flush(), BROADCAST_COALESCE_MS);
  }

  /** The channel, opened on first use; null where there is none (or it would not open). */
  channel(): Channel | null {
    if (this.#channel !== undefined || this.#options.isClosed()) return this.#channel ?? null;
    const { channelName, instanceId, openChannel } = this.#options;
    try {
      this.#channel =
        openChannel?.(channelName, (message) => {
          const { from, events, event } = (message ?? {}) as Partial<ChannelMessage>;
          if (from === instanceId) return;
          for (const received of Array.isArray(events) ? events : event ? [event] : []) {
            this.#deliverLocally({ ...received, remote: true });
          }
        }) ?? null;
    } catch (error) {
      this.#channel = null;
      this.#options.report(
        new TraceBufferError('BROADCAST_FAILED', `Change notifications are off: ${String(error)}`, { cause: error }),
      );
    }
    return this.#channel;
  }

  /** Posts what the outbox holds now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const events = this.#outbox;
    this.#outbox = [];
    const out = this.channel();
    if (!out || events.length === 0) return;
    try {
      out.post({ from: this.#options.instanceId, events } satisfies ChannelMessage);
    } catch (error) {
      this.#options.report(
        new TraceBufferError('BROADCAST_FAILED', `A change notification could not be sent: ${String(error)}`, {
          cause: error,
        }),
      );
    }
  }

  /** Posts what is waiting, then closes the channel. */
  close(): void {
    this.flush();
    this.#channel?.close();
  }

  #deliverLocally(event: BufferEvent): void {
    const { onEvent, report } = this.#options;
    for (const listener of [...this.#listeners, ...(onEvent ? [onEvent] : [])]) {
      try {
        listener(event);
      } catch (error) {
        report(callbackFailed('an event listener', error));
      }
    }
  }
}

/** Two events as one when they can travel so: same kind (and reason), both listing traces, no error attached. */
function merge(a: BufferEvent, b: BufferEvent): BufferEvent | null {
  if (a.type === 'stored' && b.type === 'stored') return { ...a, traces: [...a.traces, ...b.traces] };
  if (a.type === 'delivered' && b.type === 'delivered') return { ...a, traces: [...a.traces, ...b.traces] };
  if (a.type === 'dropped' && b.type === 'dropped' && a.reason === b.reason && !a.error && !b.error) {
    return { ...a, traces: [...a.traces, ...b.traces] };
  }
  return null;
}
