import {
  type CryptographicMaterialsProvider,
  type DecryptionMaterials,
  type DelegatedKey,
  type EncryptionContext,
  type EncryptionMaterials,
  InvalidArgumentError,
  InvalidKeyError,
  JceName,
  MaterialsUnavailableError,
  createDecryptionMaterials,
  createEncryptionMaterials,
  invalidOption,
  optionsObject,
} from '@ddb-encryption/core'
import { checkKeyOption, copyDescriptionOption, isDelegatedKey } from './internal/validate'

/** Options for {@link StaticMaterialsProvider}. At least one of the two is required. */
export interface StaticMaterialsProviderOptions {
  /** Materials returned for every item written. Default none (the provider can then only decrypt). */
  encryptionMaterials?: EncryptionMaterials
  /** Materials returned for every item read. Default none (the provider can then only encrypt). */
  decryptionMaterials?: DecryptionMaterials
}

/** Options for {@link StaticMaterialsProvider.fromKeys}. At least one of `signingKey`, `verificationKey` is required. */
export interface StaticMaterialsProviderKeys {
  /** `AES` content key used to encrypt attributes. Default none: the materials can only sign. */
  encryptionKey?: DelegatedKey
  /** `AES` content key used to decrypt attributes. Default: `encryptionKey`. */
  decryptionKey?: DelegatedKey
  /** `Hmac*` or RSA private (`SHA256withRSA`, ...) key that signs items. Default none: no encryption materials. */
  signingKey?: DelegatedKey
  /** Key that verifies signatures. Default: `signingKey` (an RSA private key verifies through its public half). */
  verificationKey?: DelegatedKey
  /** Entries written into every item's material description. Default empty. */
  materialDescription?: Readonly<Record<string, string>>
}

/**
 * Raw materials may only use content keys that allow it (Python `RawEncryptionMaterials`, FORMAT.md 7.1) and whose
 * algorithm is exactly `AES`: the content algorithm is the key's algorithm plus `/CBC/PKCS5Padding` (FORMAT.md 4.1).
 */
function checkRawContentKey(option: string, key: DelegatedKey | undefined): void {
  if (key !== undefined && (key.allowedForRawMaterials !== true || key.algorithm !== JceName.Aes)) {
    throw new InvalidKeyError(
      `"${option}" (algorithm "${key.algorithm}") cannot be used directly as a content key in static materials; ` +
      'use an AES key, or WrappedMaterialsProvider to wrap a new key per item',
    )
  }
}

function checkMaterialsShape(option: string, value: unknown, keyFields: readonly [string, string]): void {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null) {
    throw invalidOption('StaticMaterialsProvider', option, 'a materials object (see createEncryptionMaterials / createDecryptionMaterials)')
  }
  const materials = value as Record<string, unknown>
  const [contentKey, signatureKey] = keyFields
  if (!isDelegatedKey(materials[signatureKey])) {
    throw invalidOption('StaticMaterialsProvider', `${option}.${signatureKey}`, 'a DelegatedKey')
  }
  if (materials[contentKey] !== undefined && !isDelegatedKey(materials[contentKey])) {
    throw invalidOption('StaticMaterialsProvider', `${option}.${contentKey}`, 'a DelegatedKey')
  }
  copyDescriptionOption(`${option}.materialDescription`, materials.materialDescription)
}

/**
 * Materials provider that returns the same keys for every item: one AES content key used directly, plus a signing
 * key (FORMAT.md 7.1; Python `StaticCryptographicMaterialsProvider`). The item's material description is ignored
 * on decrypt. Prefer {@link WrappedMaterialsProvider} for new tables: it uses a new content key per item.
 *
 * @example
 * const provider = StaticMaterialsProvider.fromKeys({
 *   encryptionKey: LocalDelegatedKey.fromBytes({ key: aesBytes, algorithm: 'AES', }),
 *   signingKey: LocalDelegatedKey.fromBytes({ key: macBytes, algorithm: 'HmacSHA256', }),
 * })
 */
export class StaticMaterialsProvider implements CryptographicMaterialsProvider {
  readonly #encryptionMaterials: EncryptionMaterials | undefined
  readonly #decryptionMaterials: DecryptionMaterials | undefined

  /**
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when an option has the wrong shape; the message names the option.
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when neither materials object is given.
   * @throws {InvalidKeyError} ERR_INVALID_KEY when a content key is not allowed for raw materials.
   */
  constructor(options: StaticMaterialsProviderOptions) {
    optionsObject(options, 'StaticMaterialsProvider')
    checkMaterialsShape('encryptionMaterials', options.encryptionMaterials, ['encryptionKey', 'signingKey'])
    checkMaterialsShape('decryptionMaterials', options.decryptionMaterials, ['decryptionKey', 'verificationKey'])
    if (options.encryptionMaterials === undefined && options.decryptionMaterials === undefined) {
      throw new InvalidArgumentError('StaticMaterialsProvider needs "encryptionMaterials", "decryptionMaterials" or both')
    }
    checkRawContentKey('encryptionMaterials.encryptionKey', options.encryptionMaterials?.encryptionKey)
    checkRawContentKey('decryptionMaterials.decryptionKey', options.decryptionMaterials?.decryptionKey)
    // Copy and freeze: later changes to the caller's objects cannot reach items.
    this.#encryptionMaterials = options.encryptionMaterials && createEncryptionMaterials(options.encryptionMaterials)
    this.#decryptionMaterials = options.decryptionMaterials && createDecryptionMaterials(options.decryptionMaterials)
    Object.freeze(this)
  }

  /**
   * Builds a provider from keys: encryption materials when `signingKey` is given, decryption materials when
   * `verificationKey` or `signingKey` is given.
   *
   * @example
   * const reader = StaticMaterialsProvider.fromKeys({ decryptionKey: aesKey, verificationKey: rsaPublicKey })
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT naming the option with the wrong type.
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when neither `signingKey` nor `verificationKey` is given.
   * @throws {InvalidKeyError} ERR_INVALID_KEY when a content key is not allowed for raw materials.
   */
  static fromKeys(keys: StaticMaterialsProviderKeys): StaticMaterialsProvider {
    optionsObject(keys, 'StaticMaterialsProvider.fromKeys')
    for (const option of ['encryptionKey', 'decryptionKey', 'signingKey', 'verificationKey'] as const) {
      checkKeyOption(option, keys[option], false)
    }
    const materialDescription = copyDescriptionOption('materialDescription', keys.materialDescription)
    const verificationKey = keys.verificationKey ?? keys.signingKey
    if (keys.signingKey === undefined && verificationKey === undefined) {
      throw new InvalidArgumentError('StaticMaterialsProvider.fromKeys needs "signingKey" (to encrypt), "verificationKey" (to decrypt) or both')
    }
    const decryptionKey = keys.decryptionKey ?? keys.encryptionKey
    return new StaticMaterialsProvider({
      ...(keys.signingKey !== undefined
        ? { encryptionMaterials: { materialDescription, signingKey: keys.signingKey, ...(keys.encryptionKey ? { encryptionKey: keys.encryptionKey } : {}) } }
        : {}),
      ...(verificationKey !== undefined
        ? { decryptionMaterials: { materialDescription, verificationKey, ...(decryptionKey ? { decryptionKey } : {}) } }
        : {}),
    })
  }

  /**
   * The configured encryption materials, for every item.
   *
   * @throws {MaterialsUnavailableError} ERR_MATERIALS_UNAVAILABLE when the provider has none.
   */
  async getEncryptionMaterials(_context: EncryptionContext): Promise<EncryptionMaterials> {
    if (this.#encryptionMaterials === undefined) {
      throw new MaterialsUnavailableError('No encryption materials available: this StaticMaterialsProvider was built without "encryptionMaterials" (or "signingKey")')
    }
    return this.#encryptionMaterials
  }

  /**
   * The configured decryption materials, for every item; the item's material description is ignored.
   *
   * @throws {MaterialsUnavailableError} ERR_MATERIALS_UNAVAILABLE when the provider has none.
   */
  async getDecryptionMaterials(_context: EncryptionContext): Promise<DecryptionMaterials> {
    if (this.#decryptionMaterials === undefined) {
      throw new MaterialsUnavailableError('No decryption materials available: this StaticMaterialsProvider was built without "decryptionMaterials" (or "verificationKey")')
    }
    return this.#decryptionMaterials
  }

  /** Nothing is cached: does nothing. */
  async refresh(): Promise<void> {}
}
