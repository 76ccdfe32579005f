import { randomBytes } from 'node:crypto'
import { InvalidArgumentError } from '../errors'
import { toBytes } from './bytes'

const KEY_POOL_SIZE = 4096
const MAX_POOLED_KEY = 64
let keyPool: Buffer = Buffer.alloc(0)
let keyOffset = KEY_POOL_SIZE

/**
 * Returns `length` cryptographically strong random bytes (from `crypto.randomBytes`), e.g. a fresh content key.
 *
 * Keys of up to 64 bytes come from a pool refilled with `crypto.randomBytes(4096)`: one CSPRNG call per 128 content
 * keys of 32 bytes instead of one per key, which saves about 5 µs per item with the wrapped provider (a new key
 * per item). Each pool byte is handed out once and zeroed in the pool as it is handed out, so the pool holds only
 * bytes no key has used yet.
 *
 * @example
 * const aes256 = randomKeyBytes(32)
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) if `length` is not a positive integer.
 */
export function randomKeyBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length <= 0) {
    throw new InvalidArgumentError('randomKeyBytes: "length" must be a positive integer number of bytes')
  }
  if (length > MAX_POOLED_KEY) return toBytes(randomBytes(length))
  if (keyOffset + length > KEY_POOL_SIZE) {
    keyPool.fill(0)
    keyPool = randomBytes(KEY_POOL_SIZE)
    keyOffset = 0
  }
  const key = new Uint8Array(keyPool.subarray(keyOffset, keyOffset + length))
  keyPool.fill(0, keyOffset, keyOffset + length)
  keyOffset += length
  return key
}

const IV_POOL_SIZE = 4096
let ivPool: Uint8Array = new Uint8Array(0)
let ivOffset = IV_POOL_SIZE

/**
 * Writes 16 fresh random bytes (an IV) into `target` at `offset`. IVs are public, so they are drawn from a pool
 * refilled with `crypto.randomBytes(4096)`: one CSPRNG call per 256 IVs instead of one per encrypted attribute
 * (a tenth of the per-item CPU time otherwise). Each pool byte is handed out once.
 * @internal
 */
export function writeRandomIv(target: Uint8Array, offset: number): void {
  if (ivOffset + 16 > IV_POOL_SIZE) {
    ivPool = randomBytes(IV_POOL_SIZE)
    ivOffset = 0
  }
  // 16 bytes: a loop beats creating a Buffer view (subarray) for set().
  for (let i = 0; i < 16; i++) target[offset + i] = ivPool[ivOffset + i] as number
  ivOffset += 16
}
