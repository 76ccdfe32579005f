/**
 * Buffer <-> Uint8Array helpers. `Buffer` stays inside `crypto/`: every value leaving this folder is a plain
 * `Uint8Array`.
 */

/** Views a `Uint8Array` as a `Buffer` without copying. @internal */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/**
 * Returns the bytes of a `Buffer` produced by node:crypto as a plain `Uint8Array`. Small Buffers are usually
 * slices of Node's shared allocation pool; handing out a view of the pool would expose unrelated memory through
 * `.buffer`, so those are copied. Buffers that own their whole ArrayBuffer are viewed without copying.
 * @internal
 */
export function toBytes(buffer: Buffer): Uint8Array {
  if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) {
    return new Uint8Array(buffer.buffer, 0, buffer.byteLength)
  }
  return new Uint8Array(buffer)
}

/** True if `a` and `b` hold the same bytes (not constant-time: for public values only). @internal */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
