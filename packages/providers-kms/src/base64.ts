/**
 * Strict RFC 4648 base64 (standard alphabet, `=` padding, no line breaks), as written by the Python and Java
 * clients (FORMAT.md 0.1). Node's own decoder silently skips bad characters, so decoding validates first.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Encodes bytes as standard padded base64. @internal */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Decodes standard padded base64; returns `undefined` if `text` is not valid base64. @internal */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined
  const buffer = Buffer.from(text, 'base64')
  return new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength))
}
