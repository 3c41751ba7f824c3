/**
 * The one place that touches `BroadcastChannel`: it tells every tab and
 * worker of the origin about changes. Node has it too (since 18), which lets
 * the unit tests use the real thing.
 */
import type { Channel } from '../core/platform.js';

export function openChannel(name: string, onMessage: (message: unknown) => void): Channel | null {
  if (typeof BroadcastChannel !== 'function') return null;
  // Deno's channel has no unref(): an open one would keep the process alive
  // for ever. A Deno server has no tabs to tell, so it opens none (the
  // status's coordination.broadcast says false).
  if (typeof (globalThis as { Deno?: unknown }).Deno === 'object') return null;
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent) => onMessage(event.data);
  // In Node and Bun an open channel keeps the process alive; a buffer must not.
  (channel as { unref?: () => void }).unref?.();
  return {
    post(message) {
      channel.postMessage(message);
    },
    close() {
      channel.close();
    },
  };
}
