/**
 * The one place that touches `BroadcastChannel`: it tells every tab and
 * worker of the origin about changes. Node has it too (since 18), which lets
 * the unit tests use the real thing.
 */
import type { Channel } from '../core/platform.js';

export function openChannel(name: string, onMessage: (message: unknown) => void): Channel | null {
  if (typeof BroadcastChannel !== 'function') return null;
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event: MessageEvent) => onMessage(event.data);
  // In Node an open channel keeps the process alive; a buffer must not.
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
