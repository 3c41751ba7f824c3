import type { BufferMode } from './buffer-settings.js';

/** What one tab tells the others so every open tab's panel stays live. */
export type TabMessage =
  | { kind: 'buffer-changed' }
  | { kind: 'collector-changed' }
  | { kind: 'sent-live'; count: number }
  | { kind: 'mode-changed'; mode: BufferMode }
  | { kind: 'replayed'; at: number; totalTraces: number; successCount: number; failureCount: number };

const CHANNEL_NAME = 'otb-demo:tabs';

/**
 * The demo's own cross-tab channel. The buffer's events are local to the tab
 * that caused them; without this, a second tab would not see traces another
 * tab buffered or delivered.
 */
export function openTabSync(onMessage: (message: TabMessage) => void): { announce(message: TabMessage): void } {
  if (typeof BroadcastChannel !== 'function') return { announce: () => undefined };
  const channel = new BroadcastChannel(CHANNEL_NAME);
  channel.addEventListener('message', (event: MessageEvent<TabMessage>) => onMessage(event.data));
  return { announce: (message) => channel.postMessage(message) };
}
