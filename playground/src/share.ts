/**
 * A program in the page's address, to share it: `#code=` then the source,
 * UTF-8, compressed with deflate (the browser's own CompressionStream, no
 * library) and written in base64url. The fragment never reaches the server,
 * and the page reads it as untrusted text: it only ever becomes the
 * editor's text and a program for the worker, never code the page runs.
 */

/** The fragment's key: `#code=…`. */
export const FRAGMENT_KEY = 'code';
/** The longest program a link may hold, in bytes of UTF-8 (a link that inflates to more is refused). */
export const MAX_SOURCE_BYTES = 100_000;
/** The longest `#code=` value read at all. */
const MAX_ENCODED = 200_000;

/** A link that cannot be read: what is wrong with it. */
export class ShareError extends Error {
  override name = 'ShareError';
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new ShareError('the link holds characters that base64url does not use');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Pushes `input` through a (de)compression stream, stopping once the output passes `limit` bytes. */
async function pipe(input: Uint8Array<ArrayBuffer>, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const writer = stream.writable.getWriter();
  // Errors surface on the reading side; the writing side's promises must not go unhandled.
  writer.write(input).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      // A few bytes can inflate to gigabytes: stop reading, do not hold it.
      await reader.cancel().catch(() => undefined);
      throw new ShareError(`the program in the link is longer than ${MAX_SOURCE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The fragment value that holds `source` (what follows `#code=`). */
export async function encodeSource(source: string): Promise<string> {
  const bytes = new TextEncoder().encode(source);
  if (bytes.length > MAX_SOURCE_BYTES) throw new ShareError(`the program is longer than ${MAX_SOURCE_BYTES} bytes, too long for a link`);
  return toBase64Url(await pipe(bytes, new CompressionStream('deflate-raw'), Infinity));
}

/** The source a fragment value holds; a ShareError says why when it holds none. */
export async function decodeSource(encoded: string): Promise<string> {
  if (encoded.length > MAX_ENCODED) throw new ShareError(`the link is longer than ${MAX_ENCODED} characters`);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await pipe(fromBase64Url(encoded), new DecompressionStream('deflate-raw'), MAX_SOURCE_BYTES);
  } catch (e) {
    if (e instanceof ShareError) throw e;
    throw new ShareError('the link is cut short or was not made by the Share button (it does not decompress)');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ShareError('the program in the link is not UTF-8 text');
  }
}

/** The `code` value of an address's fragment (`#code=…`), or null when it has none. */
export function fragmentCode(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get(FRAGMENT_KEY);
}
