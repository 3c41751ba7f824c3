/**
 * The one place that touches `crypto` for ids. `crypto.randomUUID` exists only
 * in secure contexts (https, localhost); pages served over plain http on a LAN
 * still have `crypto.getRandomValues`, which gives the same 122 random bits.
 * A full UUID, never a prefix: openlayer-python#653 saw 8-character ids collide.
 */
/** The part of `Crypto` used here; injectable so the fallback can be tested. */
export interface RandomSource {
  getRandomValues(array: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>;
  randomUUID?: () => string;
}

export function randomUUID(source: RandomSource = globalThis.crypto): string {
  if (typeof source.randomUUID === 'function') return source.randomUUID();
  const bytes = source.getRandomValues(new Uint8Array(16));
  // RFC 9562 version 4 (random) and variant 10xx.
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
