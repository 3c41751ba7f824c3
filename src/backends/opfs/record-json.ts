import { describeError } from '../../core/errors.js';
import type { StoredTrace } from '../../core/record.js';

/**
 * A record's JSON form in the log. JSON has no bytes: a compressed trace
 * (`traceGzip`) is written as base64 in `traceGzip64`, 4/3 of its size on
 * disk; the frame checksum covers it like any other text. `sizeBytes` stays
 * the compressed size, as in the other backends, so the caps count the same.
 */
export function recordToJson(record: StoredTrace): string {
  const { traceGzip, ...rest } = record;
  return JSON.stringify(traceGzip === undefined ? record : { ...rest, traceGzip64: toBase64(traceGzip) });
}

/** The inverse of `recordToJson` for a parsed value; a value without `traceGzip64` is returned as it is. */
export function fromJsonValue(value: unknown): unknown {
  const encoded = (value as { traceGzip64?: unknown } | null)?.traceGzip64;
  if (encoded === undefined) return value;
  const { traceGzip64, ...rest } = value as { traceGzip64: unknown };
  if (typeof traceGzip64 !== 'string') return { ...rest, traceGzip: 'traceGzip64 is not a string' };
  try {
    return { ...rest, traceGzip: fromBase64(traceGzip64) };
  } catch (error) {
    // Left for decodeStoredTrace to refuse as not a Uint8Array, with the reason in the value.
    return { ...rest, traceGzip: `traceGzip64 is not base64 (${describeError(error)})` };
  }
}

export function parseRecordJson(json: string): StoredTrace {
  return fromJsonValue(JSON.parse(json)) as StoredTrace;
}

// btoa and atob exist in every context that has OPFS (and in Node); they take
// and give one character per byte.
const CHUNK = 0x8000;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
