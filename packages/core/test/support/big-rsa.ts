/**
 * A deliberately simple BigInt RSA for cross-checks: modular exponentiation on JWK key components. Independent of
 * the code under test and of node's RSA padding; slow, test-only.
 */

/** A base64url JWK component as a BigInt. */
export const b64uToBig = (text: string): bigint => BigInt(`0x${Buffer.from(text, 'base64url').toString('hex')}`)

/** base^exponent mod modulus, square-and-multiply. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n
  base %= modulus
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % modulus
    base = (base * base) % modulus
    exponent >>= 1n
  }
  return result
}
