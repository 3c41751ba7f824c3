/**
 * The stores a buffer name owns: its own, and companions named
 * `<name>~<suffix>` beside it (a buffer name cannot hold `~`, see options.ts,
 * so no other buffer's store ever matches). `deleteTraceBuffer` removes every
 * store this file says belongs to a name, in every backend.
 */

/**
 * Companion suffixes, for backends that cannot list their stores (IndexedDB
 * without `indexedDB.databases()`). A feature that adds a store beside the
 * buffer's adds its suffix here; where stores can be listed, any `<name>~...`
 * is removed even if missing from this list.
 */
export const DEAD_LETTERS_SUFFIX = 'dead-letters';
export const COMPANION_SUFFIXES: readonly string[] = [DEAD_LETTERS_SUFFIX];

/** The name's own store and its known companions. */
export function storeNamesOf(name: string): string[] {
  return [name, ...COMPANION_SUFFIXES.map((suffix) => `${name}~${suffix}`)];
}

/** Whether `store` is the name's own store or one of its companions. */
export function isStoreOf(name: string, store: string): boolean {
  return store === name || store.startsWith(`${name}~`);
}

/** What one backend's part of a delete removed (store names) and the failures of the rest. */
export interface StoreDeletion {
  removed: string[];
  failures: unknown[];
}
