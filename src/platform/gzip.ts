import type { TextCompression } from '../core/platform.js';

/**
 * The one place that uses `CompressionStream`. It exists in Chromium 80+,
 * Firefox 113+, Safari 16.4+ (WebKitGTK too), Node 18+, Deno, Bun and workerd;
 * where it does not, this returns null and records are stored uncompressed.
 * The streams run zlib outside the caller's task in browsers; the caller
 * awaits the result, so a burst of stores never waits on it synchronously.
 */
export function gzip(): TextCompression | null {
  if (typeof CompressionStream !== 'function' || typeof DecompressionStream !== 'function') return null;
  const encoder = new TextEncoder();
  // fatal: a body that inflates to bytes that are not UTF-8 is damaged, not text to guess at.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    compress: (text) => pipe(new CompressionStream('gzip'), encoder.encode(text)),
    decompress: async (bytes) => decoder.decode(await pipe(new DecompressionStream('gzip'), bytes)),
  };
}

async function pipe(stream: CompressionStream | DecompressionStream, input: Uint8Array): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // Awaited together: a damaged body rejects both the write and the read, and neither goes unhandled.
  const [, chunks] = await Promise.all([
    writer.write(input as Uint8Array<ArrayBuffer>).then(() => writer.close()),
    readAll(stream.readable.getReader()),
  ]);
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}
