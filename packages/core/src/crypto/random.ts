import { randomBytes } from 'node:crypto'
import { InvalidArgumentError } from '../errors'
import { toBytes } from './bytes'

/**
 * Returns `length` cryptographically strong random bytes (from `crypto.randomBytes`), e.g. a fresh content key.
 *
 * @example
 * const aes256 = randomKeyBytes(32)
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) if `length` is not a positive integer.
 */
export function randomKeyBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length <= 0) {
    throw new InvalidArgumentError('randomKeyBytes: "length" must be a positive integer number of bytes')
  }
  return toBytes(randomBytes(length))
}
