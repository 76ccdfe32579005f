/**
 * Strict RFC 4648 base64 (standard alphabet, `=` padding), as stored in `amzn-ddb-env-key` (FORMAT.md 0.1, 2.3).
 * Node's decoder silently skips invalid characters, so input is checked first: a tampered description must fail
 * instead of producing different key bytes.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** @internal Encodes bytes as padded standard base64. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** @internal Decodes strict padded standard base64; returns undefined when the text is not valid base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined
  return new Uint8Array(Buffer.from(text, 'base64'))
}
