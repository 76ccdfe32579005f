/** What the encryptor does with one attribute (FORMAT.md 5.1). The numeric order matters. */
export const CryptoAction = {
  /** Stored as is and not signed. */
  DO_NOTHING: 0,
  /** Stored as is and covered by the signature. */
  SIGN_ONLY: 1,
  /** Encrypted, and its ciphertext covered by the signature. */
  ENCRYPT_AND_SIGN: 2,
} as const
export type CryptoAction = (typeof CryptoAction)[keyof typeof CryptoAction]

/** Name of an action, for messages. */
export function cryptoActionName(action: CryptoAction): string {
  switch (action) {
    case CryptoAction.DO_NOTHING: return 'DO_NOTHING'
    case CryptoAction.SIGN_ONLY: return 'SIGN_ONLY'
    case CryptoAction.ENCRYPT_AND_SIGN: return 'ENCRYPT_AND_SIGN'
  }
}

/** @internal */
export function isCryptoAction(value: unknown): value is CryptoAction {
  return value === 0 || value === 1 || value === 2
}
