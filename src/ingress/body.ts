export type BodyResult = { ok: true; bytes: Uint8Array } | { ok: false; status: 400 | 413 };

/**
 * Reads the request body once, stopping as soon as it passes `limit` bytes so an oversize
 * request costs at most `limit` bytes of memory, whatever Content-Length claims.
 */
export async function readBody(request: Request, limit: number): Promise<BodyResult> {
  const header = request.headers.get("content-length");
  const declared = header === null ? Number.NaN : Number(header);
  if (Number.isFinite(declared) && declared > limit) return { ok: false, status: 413 };
  if (!request.body) return { ok: true, bytes: new Uint8Array() };
  // With a Content-Length the runtime holds the body to exactly that size: one native read,
  // several times cheaper than pulling the stream chunk by chunk.
  if (Number.isFinite(declared)) {
    try {
      return { ok: true, bytes: new Uint8Array(await request.arrayBuffer()) };
    } catch {
      return { ok: false, status: 400 };
    }
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        return { ok: false, status: 413 };
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, status: 400 };
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0]! };
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/** Keeps a leading BOM so the text re-encodes to exactly the bytes that were signed. */
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export function decodeBody(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
