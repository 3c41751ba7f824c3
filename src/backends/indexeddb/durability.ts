import { TraceBufferOptionError } from '../../core/errors.js';

/**
 * Transaction durability for writes: `'default'` (the browser's choice),
 * `'strict'` (flushed to disk before a store resolves) or `'relaxed'`. Our own
 * type, not the DOM's `IDBTransactionDurability`, so the declarations compile
 * in projects without the DOM library.
 */
export type IndexedDbDurability = 'default' | 'strict' | 'relaxed';

/** Checks the `durability` option at once, as every option is checked. */
export function durabilityOption(value: unknown): IndexedDbDurability {
  if (value === undefined) return 'default';
  if (value === 'default' || value === 'strict' || value === 'relaxed') return value;
  throw new TraceBufferOptionError('durability', value, '"default", "strict" or "relaxed"');
}
