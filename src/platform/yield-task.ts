/**
 * Ends the current task and resolves in a new one, so the page can paint and
 * handle input between slices of work that runs on the caller's thread. A
 * MessageChannel message, not `setTimeout(0)`: nested timers are clamped to
 * 4 ms in browsers, which a long run of slices would pay each time.
 */
export function yieldTask(): Promise<void> {
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
