import { TraceBufferError } from './errors.js';

/**
 * Serialises a trace part to JSON. JSON.stringify silently drops functions and
 * symbols; a tracer that buffers a function by mistake should hear about it, so
 * they are refused, as is what JSON itself cannot hold (cycles, BigInt).
 *
 * They are looked for by a walk after JSON.stringify succeeded, not by a
 * replacer: a replacer takes engines off their fast path and made the
 * serialisation most of the time a caller's burst spends in `storeTrace`. (A
 * successful stringify also proves there is no cycle for the walk to follow.)
 */
export function toJson(value: unknown, field: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw notSerializable(field, error instanceof Error ? error.message : String(error), error);
  }
  if (json === undefined) throw notSerializable(field, 'the value has no JSON form');
  const found = findUnstorable(value);
  if (found) throw notSerializable(field, `${found.kind} values cannot be stored`, undefined, found.key);
  return json;
}

function notSerializable(field: string, reason: string, cause?: unknown, key?: string): TraceBufferError {
  const where = key === undefined ? '' : ` at key "${key}"`;
  return new TraceBufferError('NOT_SERIALIZABLE', `Cannot buffer ${field}${where}: ${reason}.`, {
    cause,
    details: { field },
  });
}

/**
 * The first function or symbol JSON.stringify would have dropped, with its
 * key. Only what stringify walks is walked: own enumerable string keys of
 * plain objects and arrays. An object with its own `toJSON` (a Date) chose its
 * JSON form itself and is not looked into.
 */
function findUnstorable(root: unknown): { kind: string; key: string } | null {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (typeof (node as { toJSON?: unknown }).toJSON === 'function') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === 'function' || typeof item === 'symbol') return { kind: typeof item, key: String(i) };
        if (typeof item === 'object' && item !== null) stack.push(item);
      }
      continue;
    }
    for (const key in node) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
      const item: unknown = (node as Record<string, unknown>)[key];
      if (typeof item === 'function' || typeof item === 'symbol') return { kind: typeof item, key };
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return null;
}

// Every character below 0x80 is one UTF-8 byte.
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** UTF-8 byte length without allocating an encoded copy. */
export function utf8Length(text: string): number {
  // Most JSON is plain ASCII, and the engine's regex scan beats a loop in script.
  if (ASCII_ONLY.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
