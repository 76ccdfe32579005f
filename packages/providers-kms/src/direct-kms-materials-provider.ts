import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms'
import {
  AwsKMSMaterialsProviderError,
  checkEncryptionContext,
  copyOwnRecord,
  fromBase64,
  getOwn,
  hasOwn,
  toBase64,
  createDecryptionMaterials,
  createEncryptionMaterials,
  type CryptographicMaterialsProvider,
  type DecryptionMaterials,
  type DelegatedKey,
  DirectKMS,
  type EncryptionContext,
  type EncryptionMaterials,
  hkdfSha256,
  InvalidArgumentError,
  LocalDelegatedKey,
  MaterialDescriptionKey,
  UnknownRegionError,
  UnwrappingError,
  WrappingError,
  withUserAgent,
} from '@ddb-encryption/core'
import { isKeyArn, regionFromKeyId } from './key-id'
import { type KeyInfo, parseContentKeyInfo, parseSigningKeyInfo } from './key-info'
import { buildKMSEncryptionContext, kmsEncryptionContextFor, ownString, RESERVED_KMS_CONTEXT_KEYS } from './kms-encryption-context'
import { PACKAGE_VERSION } from './package-version'

/** The part of a KMS client this provider uses; a `KMSClient` from `@aws-sdk/client-kms` fits, so does a fake. */
export type KMSClientLike = Pick<KMSClient, 'send'>

/** Options of {@link DirectKMSMaterialsProvider}. */
export interface DirectKMSMaterialsProviderOptions {
  /**
   * The KMS key that protects every item's data key: a key id, key ARN, alias name (`alias/x`), alias ARN, or a
   * multi-Region key id (`mrk-...`) or ARN. Items record no key id, so readers must use this same key (see
   * {@link DirectKMSMaterialsProvider.getDecryptionMaterials}).
   */
  keyId: string
  /**
   * KMS client used when `clientSupplier` is absent or no region is known. It must be in the key's region; the
   * provider never reads its configuration and never destroys it.
   */
  kmsClient?: KMSClientLike
  /**
   * Returns the KMS client of a region. Called once, in the constructor, with the region of `keyId` when it is an
   * ARN (4th `:` field), else with `region`. Use it when the key lives in another region than your default client.
   */
  clientSupplier?: (region: string) => KMSClientLike
  /** Region of a bare key id or alias name, passed to `clientSupplier`. Default: none. */
  region?: string
  /** Grant tokens sent with every KMS request. Default: none. */
  grantTokens?: readonly string[]
  /**
   * Extra KMS encryption context entries, sent with every request and merged with the provider's own. Readers
   * must pass the same entries. Keys may not be `*amzn-ddb-env-alg*`, `*amzn-ddb-sig-alg*`, `*aws-kms-table*`
   * or a table key attribute name. They are not stored in the item. Default: none.
   */
  kmsEncryptionContext?: Readonly<Record<string, string>>
  /**
   * Derived-key configuration, as in the Python client: `amzn-ddb-env-alg` (default `AES/256`: AES/128, AES/192
   * or AES/256) and `amzn-ddb-sig-alg` (default `HmacSHA256/256`: HmacSHA224/256/384/512, bits a multiple of 8,
   * at least 128). Other keys are refused. These entries are not copied into items (Python behaviour; Java
   * copies its description).
   */
  materialDescription?: Readonly<Record<string, string>>
}

// GenerateDataKey always asks for 32 bytes: they are HKDF input keying material, not an AES key (FORMAT.md 7.3).
const DATA_KEY_BYTES = 32
const ALLOWED_DESCRIPTION_KEYS: ReadonlySet<string> = new Set([
  MaterialDescriptionKey.ContentEncryptionAlgorithm,
  MaterialDescriptionKey.ItemSignatureAlgorithm,
])
// KMS Decrypt errors that mean "this blob cannot be opened with this key and context" (wrong key, altered context,
// moved item, disabled or pending-deletion key, no permission). They become UnwrappingError with the SDK error as
// `cause`. Every other error (throttling, network, internal) passes through unchanged so retry logic still sees it.
const UNWRAP_ERROR_NAMES: ReadonlySet<string> = new Set([
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'DisabledException',
  'KMSInvalidStateException',
  'AccessDeniedException',
])
const UNWRAP_FAILED = 'Failed to unwrap the item\'s AWS KMS data key: KMS refused Decrypt (wrong key, altered ' +
  'encryption context or moved item, disabled key, or no permission); see cause'

function errorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const name = (error as { name?: unknown }).name
  return typeof name === 'string' ? name : undefined
}

function checkStringRecord(value: unknown, option: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`"${option}" option must be an object of string values`)
  }
  return copyOwnRecord(value, (key, entry) => {
    if (typeof entry !== 'string') throw new InvalidArgumentError(`"${option}" option must have string values only; "${key}" does not`)
    return entry
  })
}

/**
 * Direct AWS KMS materials provider: one KMS data key per item (FORMAT.md 7.3), byte-compatible with the Python
 * `AwsKmsCryptographicMaterialsProvider` and Java `DirectKmsMaterialProvider`.
 *
 * Encrypting calls KMS `GenerateDataKey` (32 bytes) once per item and derives an AES key and an HMAC key from the
 * data key with HKDF-SHA256; decrypting calls KMS `Decrypt` once per item. Nothing is cached. The KMS encryption
 * context binds the data key to the table name and the item's primary key, so an item copied to another table
 * or key cannot be read.
 *
 * Errors: invalid options and item descriptions get typed errors (below). KMS `Decrypt` refusals
 * (`InvalidCiphertextException`, `IncorrectKeyException`, `DisabledException`, `KMSInvalidStateException`,
 * `AccessDeniedException`) become `UnwrappingError` with the SDK error as `cause`. Every other KMS or SDK error,
 * including all `GenerateDataKey` errors and throttling once the client's own retries are exhausted, is thrown
 * unchanged, so your retry logic sees the SDK's error class, `name` and `$metadata`.
 *
 * @example
 * ```ts
 * const provider = new DirectKMSMaterialsProvider({ keyId: 'alias/my-table-key', kmsClient: new KMSClient({}) })
 * const stored = await encryptItem(item, {
 *   materialsProvider: provider,
 *   encryptionContext: { tableName: 'Orders', partitionKeyName: 'pk', sortKeyName: 'sk' },
 *   attributeActions: new AttributeActions(),
 * })
 * ```
 */
export class DirectKMSMaterialsProvider implements CryptographicMaterialsProvider {
  /** The configured key id, as given. */
  readonly keyId: string
  readonly #client: KMSClientLike
  readonly #grantTokens: readonly string[]
  readonly #extraContext: Readonly<Record<string, string>>
  readonly #contentKey: KeyInfo
  readonly #signingKey: KeyInfo

  /**
   * Validates the options and picks the KMS client.
   * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) for a bad option (the message names it).
   * @throws InvalidAlgorithmError (`ERR_INVALID_ALGORITHM`) for an unsupported `materialDescription` algorithm.
   * @throws UnknownRegionError (`ERR_UNKNOWN_REGION`) when only `clientSupplier` is given and `keyId` carries no
   *   region and `region` is unset.
   * @throws AwsKMSMaterialsProviderError (`ERR_AWS_KMS_PROVIDER`) when `keyId` is an ARN of another region than
   *   `region` and no `clientSupplier` can reach it.
   */
  constructor(options: DirectKMSMaterialsProviderOptions) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('DirectKMSMaterialsProvider needs an options object')
    const { keyId, kmsClient, clientSupplier, region } = options
    if (typeof keyId !== 'string' || keyId.length === 0) {
      throw new InvalidArgumentError('"keyId" option must be a non-empty KMS key id, key ARN, alias name or alias ARN')
    }
    if (kmsClient !== undefined && typeof kmsClient?.send !== 'function') {
      throw new InvalidArgumentError('"kmsClient" option must be a KMS client (an object with a send method)')
    }
    if (clientSupplier !== undefined && typeof clientSupplier !== 'function') {
      throw new InvalidArgumentError('"clientSupplier" option must be a function (region) => KMS client')
    }
    if (region !== undefined && (typeof region !== 'string' || region.length === 0)) {
      throw new InvalidArgumentError('"region" option must be a non-empty region name such as "us-west-2"')
    }
    const grantTokens = options.grantTokens ?? []
    if (!Array.isArray(grantTokens) || grantTokens.some((token) => typeof token !== 'string' || token.length === 0)) {
      throw new InvalidArgumentError('"grantTokens" option must be an array of non-empty strings')
    }
    const extraContext = checkStringRecord(options.kmsEncryptionContext ?? {}, 'kmsEncryptionContext')
    for (const key of Object.keys(extraContext)) {
      if (RESERVED_KMS_CONTEXT_KEYS.includes(key)) {
        throw new InvalidArgumentError(
          `"kmsEncryptionContext" option key "${key}" is reserved by the Direct KMS provider; choose another name`,
        )
      }
    }
    const description = checkStringRecord(options.materialDescription ?? {}, 'materialDescription')
    for (const key of Object.keys(description)) {
      if (!ALLOWED_DESCRIPTION_KEYS.has(key)) {
        throw new InvalidArgumentError(
          `"materialDescription" option key "${key}" is not supported; only ` +
            `${MaterialDescriptionKey.ContentEncryptionAlgorithm} and ${MaterialDescriptionKey.ItemSignatureAlgorithm} ` +
            'configure the Direct KMS provider, and nothing else is stored in items',
        )
      }
    }
    const contentKeyKey = MaterialDescriptionKey.ContentEncryptionAlgorithm
    const signingKeyKey = MaterialDescriptionKey.ItemSignatureAlgorithm
    this.#contentKey = parseContentKeyInfo(getOwn(description, contentKeyKey) ?? DirectKMS.DefaultContentAlgorithm, 'option', contentKeyKey)
    this.#signingKey = parseSigningKeyInfo(getOwn(description, signingKeyKey) ?? DirectKMS.DefaultSigningAlgorithm, 'option', signingKeyKey, true)

    const arnRegion = regionFromKeyId(keyId)
    const targetRegion = arnRegion ?? region
    if (clientSupplier !== undefined && targetRegion !== undefined) {
      const client = clientSupplier(targetRegion)
      if (typeof client?.send !== 'function') {
        throw new InvalidArgumentError('"clientSupplier" option returned something that is not a KMS client')
      }
      this.#client = client
    } else if (kmsClient !== undefined) {
      if (arnRegion !== undefined && region !== undefined && arnRegion !== region) {
        throw new AwsKMSMaterialsProviderError(
          '"keyId" is an ARN in another region than the "region" option; pass "clientSupplier" so requests go to ' +
            "the key's region, or a kmsClient of that region without \"region\"",
        )
      }
      this.#client = kmsClient
    } else if (clientSupplier !== undefined) {
      throw new UnknownRegionError(
        'No region could be determined for "keyId": it is not an ARN and the "region" option is unset; pass ' +
          '"region", a key ARN, or "kmsClient"',
      )
    } else {
      throw new InvalidArgumentError('Pass "kmsClient" (a KMSClient in the key\'s region) or "clientSupplier"')
    }
    this.keyId = keyId
    this.#grantTokens = Object.freeze([...grantTokens])
    this.#extraContext = Object.freeze(extraContext)
    Object.freeze(this)
  }

  /**
   * Generates a KMS data key bound to this item's table and primary key and derives the item's AES and HMAC keys.
   * Exactly one `GenerateDataKey` call; nothing is cached.
   * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) if a key attribute is not S, N or B, an N key attribute
   *   is not in the normalized form DynamoDB stores (e.g. `10.50`: the item could never be decrypted after a
   *   round trip through DynamoDB), or a key attribute name collides with a reserved or caller-supplied KMS
   *   encryption context key.
   * @throws WrappingError (`ERR_WRAPPING_FAILED`) if KMS answers without a 32-byte data key and a ciphertext blob.
   * @throws Any KMS/SDK error from `GenerateDataKey`, unchanged.
   */
  async getEncryptionMaterials(context: EncryptionContext): Promise<EncryptionMaterials> {
    checkEncryptionContext(context, 'DirectKMSMaterialsProvider.getEncryptionMaterials')
    const kmsContext = buildKMSEncryptionContext(
      this.#contentKey.description,
      this.#signingKey.description,
      context,
      this.#extraContext,
      true,
    )
    const response = await this.#client.send(
      withUserAgent(
        new GenerateDataKeyCommand({
          KeyId: this.keyId,
          NumberOfBytes: DATA_KEY_BYTES,
          EncryptionContext: kmsContext,
          ...(this.#grantTokens.length > 0 ? { GrantTokens: [...this.#grantTokens] } : {}),
        }),
        PACKAGE_VERSION,
      ),
    )
    const plaintext = response?.Plaintext
    const blob = response?.CiphertextBlob
    try {
      if (!(plaintext instanceof Uint8Array) || plaintext.byteLength !== DATA_KEY_BYTES || !(blob instanceof Uint8Array) || blob.byteLength === 0) {
        throw new WrappingError(
          'AWS KMS GenerateDataKey returned no 32-byte data key or no ciphertext blob; check that keyId names a ' +
            'symmetric encryption KMS key',
        )
      }
      const { contentKey, signingKey } = this.#derive(plaintext, this.#contentKey, this.#signingKey)
      // FORMAT.md 7.3: the description written into the item (the encryptor adds sym-mode and signingAlg).
      return createEncryptionMaterials({
        materialDescription: {
          [MaterialDescriptionKey.KMSEncryptionContextAttributes]: DirectKMS.KMSEncryptionContextAttributesValue,
          [MaterialDescriptionKey.ContentKeyWrappingAlgorithm]: DirectKMS.WrapAlgorithm,
          [MaterialDescriptionKey.ContentEncryptionAlgorithm]: this.#contentKey.description,
          [MaterialDescriptionKey.ItemSignatureAlgorithm]: this.#signingKey.description,
          [MaterialDescriptionKey.WrappedDataKey]: toBase64(blob),
        },
        encryptionKey: contentKey,
        signingKey,
      })
    } finally {
      if (plaintext instanceof Uint8Array) plaintext.fill(0)
    }
  }

  /**
   * Decrypts the item's KMS data key (from `context.materialDescription`) with the encryption context rebuilt from
   * the stored item, and derives the item's AES and HMAC keys with the lengths the item names. Exactly one KMS
   * `Decrypt` call, without `KeyId` (as the reference clients; KMS finds the key in the blob).
   *
   * When the configured `keyId` is a key ARN, the key KMS reports having used must be that ARN, otherwise the item
   * is refused: an item written under another key in the same account is not silently accepted. With an alias or
   * bare key id no such check is possible and any key the caller may use is accepted (reference behaviour).
   *
   * @throws UnwrappingError (`ERR_UNWRAPPING_FAILED`) if the description lacks `amzn-ddb-env-key`,
   *   `amzn-ddb-env-alg` or `amzn-ddb-sig-alg`, its `amzn-ddb-wrap-alg` is not `kms`, its `aws-kms-ec-attr` is not
   *   `*keys*`, the data key is not base64, KMS refuses the blob (wrong key, altered context, moved item, disabled
   *   key, no permission; the SDK error is the `cause`), KMS used another key than the configured key ARN, or the
   *   item names algorithms other than AES and HMAC.
   * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) if a key attribute is not S, N or B.
   * @throws Any other KMS/SDK error (throttling, network), unchanged.
   */
  async getDecryptionMaterials(context: EncryptionContext): Promise<DecryptionMaterials> {
    checkEncryptionContext(context, 'DirectKMSMaterialsProvider.getDecryptionMaterials')
    const description = context.materialDescription
    const wrapAlgorithm = ownString(description, MaterialDescriptionKey.ContentKeyWrappingAlgorithm)
    if (wrapAlgorithm !== DirectKMS.WrapAlgorithm) {
      throw new UnwrappingError(
        `The item's ${MaterialDescriptionKey.ContentKeyWrappingAlgorithm} is not "${DirectKMS.WrapAlgorithm}", so it ` +
          'was not written by a Direct KMS provider; read it with the provider that wrote it',
      )
    }
    const coverage = ownString(description, MaterialDescriptionKey.KMSEncryptionContextAttributes)
    if (hasOwn(description, MaterialDescriptionKey.KMSEncryptionContextAttributes) && coverage !== DirectKMS.KMSEncryptionContextAttributesValue) {
      throw new UnwrappingError(
        `The item's ${MaterialDescriptionKey.KMSEncryptionContextAttributes} is not ` +
          `"${DirectKMS.KMSEncryptionContextAttributesValue}", the only KMS encryption context coverage this client knows`,
      )
    }
    const wrappedText = ownString(description, MaterialDescriptionKey.WrappedDataKey)
    if (wrappedText === undefined) {
      throw new UnwrappingError(
        `The item's material description lacks ${MaterialDescriptionKey.WrappedDataKey}, the KMS-encrypted data key; ` +
          'the item is incomplete or was not written by a Direct KMS provider',
      )
    }
    // Presence of env-alg and sig-alg is checked while building the context, before they are parsed.
    const kmsContext = kmsEncryptionContextFor(description, context, this.#extraContext)
    const contentKeyInfo = parseContentKeyInfo(
      kmsContext[DirectKMS.ContextKeyContentAlgorithm] as string,
      'item',
      MaterialDescriptionKey.ContentEncryptionAlgorithm,
    )
    const signingKeyInfo = parseSigningKeyInfo(
      kmsContext[DirectKMS.ContextKeySigningAlgorithm] as string,
      'item',
      MaterialDescriptionKey.ItemSignatureAlgorithm,
      false,
    )
    const blob = fromBase64(wrappedText)
    if (blob === undefined || blob.byteLength === 0) {
      throw new UnwrappingError(
        `The item's ${MaterialDescriptionKey.WrappedDataKey} is not valid base64; the item was altered or damaged`,
      )
    }

    let response
    try {
      response = await this.#client.send(
        withUserAgent(
          new DecryptCommand({
            CiphertextBlob: blob,
            EncryptionContext: kmsContext,
            ...(this.#grantTokens.length > 0 ? { GrantTokens: [...this.#grantTokens] } : {}),
          }),
          PACKAGE_VERSION,
        ),
      )
    } catch (error) {
      const name = errorName(error)
      if (name !== undefined && UNWRAP_ERROR_NAMES.has(name)) throw new UnwrappingError(UNWRAP_FAILED, { cause: error })
      throw error
    }
    const plaintext = response?.Plaintext
    try {
      if (!(plaintext instanceof Uint8Array) || plaintext.byteLength === 0) {
        throw new UnwrappingError('AWS KMS Decrypt returned no data key; the KMS client or endpoint misbehaved')
      }
      if (isKeyArn(this.keyId) && response.KeyId !== this.keyId) {
        throw new UnwrappingError(
          'The item\'s data key was encrypted under another KMS key than the configured "keyId" ARN; configure ' +
            'the key that wrote the item',
        )
      }
      const { contentKey, signingKey } = this.#derive(plaintext, contentKeyInfo, signingKeyInfo)
      return createDecryptionMaterials({
        materialDescription: description,
        decryptionKey: contentKey,
        verificationKey: signingKey,
      })
    } finally {
      if (plaintext instanceof Uint8Array) plaintext.fill(0)
    }
  }

  /** No-op: this provider caches nothing. */
  async refresh(): Promise<void> {}

  /**
   * HKDF-SHA256 with a zero salt; two independent expansions of the same PRK, info `Encryption` and `Signing`
   * (FORMAT.md 7.3). The intermediate byte arrays are zeroed once the KeyObjects exist.
   */
  #derive(ikm: Uint8Array, content: KeyInfo, signing: KeyInfo): { contentKey: DelegatedKey; signingKey: DelegatedKey } {
    const contentBytes = hkdfSha256(ikm, DirectKMS.HkdfInfoEncryption, content.lengthBits / 8)
    const signingBytes = hkdfSha256(ikm, DirectKMS.HkdfInfoSigning, signing.lengthBits / 8)
    try {
      return {
        contentKey: LocalDelegatedKey.fromBytes({ key: contentBytes, algorithm: content.algorithm, keyType: 'symmetric', encoding: 'RAW' }),
        signingKey: LocalDelegatedKey.fromBytes({ key: signingBytes, algorithm: signing.algorithm, keyType: 'symmetric', encoding: 'RAW' }),
      }
    } finally {
      contentBytes.fill(0)
      signingBytes.fill(0)
    }
  }
}
