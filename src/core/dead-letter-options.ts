import { TraceBufferOptionError } from './errors.js';
import { backendObject, count } from './options.js';
import type { StorageBackend } from './storage-backend.js';

export const DEFAULT_DEAD_LETTER_MAX_COUNT = 100;

export interface DeadLetterOptions {
  /** Most dead letters kept, a cap of their own apart from `maxBufferSize`; the oldest go past it. Default 100. */
  maxCount?: number;
}

/** `deadLetters`: `false` drops refused traces (reason `rejected`); else the cap, `null` standing for off. */
export function deadLettersOption(value: unknown): number | null {
  if (value === false) return null;
  if (value === undefined || value === true) return DEFAULT_DEAD_LETTER_MAX_COUNT;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceBufferOptionError('deadLetters', value, 'false, true, or { maxCount }');
  }
  const maxCount = (value as DeadLetterOptions).maxCount;
  return count({ 'deadLetters.maxCount': maxCount }, 'deadLetters.maxCount', DEFAULT_DEAD_LETTER_MAX_COUNT, 1);
}

/** `deadLetterBackend`: where a custom `storage` backend's dead letters go; only beside one. */
export function deadLetterBackendOption(value: unknown, storage: unknown): StorageBackend | undefined {
  if (value === undefined) return undefined;
  if (typeof storage !== 'object') {
    throw new TraceBufferOptionError('deadLetterBackend', value, 'nothing unless "storage" is a backend object');
  }
  return backendObject('deadLetterBackend', value);
}
