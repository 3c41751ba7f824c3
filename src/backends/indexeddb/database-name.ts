/** The database behind a buffer name; one per buffer so names never collide. */
export function databaseNameFor(name: string): string {
  return `offline-trace-buffer:${name}`;
}
