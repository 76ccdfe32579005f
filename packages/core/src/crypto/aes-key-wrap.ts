import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto'
import { UnwrappingError, WrappingError } from '../errors'

/** RFC 3394 default initial value. */
const DEFAULT_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex')

/**
 * RFC 3394 AES key wrap with the default IV, no padding (`AESWrap`, FORMAT.md 7.2). `cipherName` is
 * `id-aes128-wrap` / `id-aes192-wrap` / `id-aes256-wrap` by KEK size. A 32-byte key becomes 40 bytes.
 * @internal
 */
export function aesKeyWrap(cipherName: string, kek: KeyObject, keyData: Uint8Array): Uint8Array {
  if (keyData.byteLength < 16 || keyData.byteLength % 8 !== 0) {
    throw new WrappingError('AESWrap needs a key of at least 16 bytes whose length is a multiple of 8')
  }
  try {
    const cipher = createCipheriv(cipherName, kek, DEFAULT_IV)
    const body = cipher.update(keyData)
    const last = cipher.final()
    const out = new Uint8Array(body.byteLength + last.byteLength)
    out.set(body, 0)
    out.set(last, body.byteLength)
    return out
  } catch (cause) {
    throw new WrappingError('Key wrap failed', { cause })
  }
}

/**
 * Reverses {@link aesKeyWrap}; an integrity failure (wrong KEK, tampered input) or a malformed length is
 * `UnwrappingError('Key unwrap failed')` with the detail in `cause`.
 * @internal
 */
export function aesKeyUnwrap(cipherName: string, kek: KeyObject, wrapped: Uint8Array): Uint8Array {
  if (wrapped.byteLength < 24 || wrapped.byteLength % 8 !== 0) {
    throw new UnwrappingError('Key unwrap failed', {
      cause: new Error('AESWrap output must be at least 24 bytes and a multiple of 8'),
    })
  }
  try {
    const decipher = createDecipheriv(cipherName, kek, DEFAULT_IV)
    const body = decipher.update(wrapped)
    const last = decipher.final()
    const out = new Uint8Array(body.byteLength + last.byteLength)
    out.set(body, 0)
    out.set(last, body.byteLength)
    body.fill(0)
    return out
  } catch (cause) {
    throw new UnwrappingError('Key unwrap failed', { cause })
  }
}
