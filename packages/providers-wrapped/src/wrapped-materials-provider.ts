import {
  checkEncryptionContext,
  type CryptographicMaterialsProvider,
  type DecryptionMaterials,
  type DelegatedKey,
  type EncryptionContext,
  type EncryptionMaterials,
  InvalidAlgorithmError,
  InvalidArgumentError,
  InvalidKeyError,
  JceName,
  LocalDelegatedKey,
  MaterialDescriptionKey,
  PREPARE_DECRYPTION,
  type PreparesDecryption,
  UnwrappingError,
  WrappingError,
  adoptDecryptionMaterials,
  adoptEncryptionMaterials,
  fromBase64,
  getOwn,
  hasOwn,
  randomKeyBytes,
  setOwn,
  toBase64,
  unwrapContentKey,
  unwrapContentKeys,
  wrapNewContentKey,
} from '@ddb-encryption/core'
import { DEFAULT_CONTENT_ALGORITHM, parseContentAlgorithm, type ContentAlgorithm } from './internal/content-algorithm'
import { checkKeyOption, copyDescriptionOption } from './internal/validate'

/** Options for {@link WrappedMaterialsProvider}. */
export interface WrappedMaterialsProviderOptions {
  /**
   * Key that wraps each new content key: an `AES` key (wrapped with `AESWrap`) or an `RSA` public key (wrapped with
   * `RSA/ECB/OAEPWithSHA-256AndMGF1Padding`). Required to encrypt; default none (the provider can then only decrypt).
   */
  wrappingKey?: DelegatedKey
  /** Key that unwraps stored content keys (`AES`, or an `RSA` private key). Required to decrypt; default none. */
  unwrappingKey?: DelegatedKey
  /** Key that signs every item: `HmacSHA256` (at least 128 bits) or an RSA private key such as `SHA256withRSA`. */
  signingKey: DelegatedKey
  /**
   * Key that verifies signatures. Default: `signingKey` (an RSA private signing key verifies through its public half).
   */
  verificationKey?: DelegatedKey
  /**
   * Entries copied into every item's material description. `amzn-ddb-env-alg` chooses the content key (default
   * `AES/256`; `AES` alone also means 256 bits) and `amzn-ddb-wrap-alg` overrides the wrapping transformation.
   * Default empty. On decrypt this description is merged under the item's (the item's entries win), as in Python.
   */
  materialDescription?: Readonly<Record<string, string>>
}

/** Fixed message for every failure to recover a content key; the detail is in `cause` (STYLE.md 6). */
const UNWRAP_FAILED =
  'Unable to unwrap the content key of this item: it was altered, or it was written with other keys; ' +
  'check that the unwrapping key matches the one that wrapped it'

/** A content key unwrapped ahead of its item by the batch preparation, and what it was unwrapped for. */
interface PreparedKey {
  readonly wrapAlgorithm: string
  readonly keyAlgorithm: string
  readonly key: DelegatedKey
}

const NOTHING = (): void => undefined

/** The wrapping transformation implied by a wrapping key's algorithm (FORMAT.md 7.2). */
function wrapTransformationFor(keyAlgorithm: string): string {
  switch (keyAlgorithm) {
    case JceName.Aes: return JceName.AesWrap
    case JceName.Rsa: return JceName.RsaOaepSha256
    default: return keyAlgorithm
  }
}

/**
 * The unwrapping transformation used when an item has no `amzn-ddb-wrap-alg`: the unwrapping key's own algorithm
 * name, where a bare `RSA` means PKCS#1 v1.5 (old Java writers, FORMAT.md 7.2). An `AES` key has no such default.
 */
function defaultUnwrapTransformation(keyAlgorithm: string): string | undefined {
  switch (keyAlgorithm) {
    case JceName.Rsa: return JceName.RsaPkcs1
    case JceName.Aes: return undefined
    default: return keyAlgorithm
  }
}

/**
 * Materials provider that makes a new AES content key for every item and stores it, wrapped, in the item's
 * material description (FORMAT.md 7.2). Reads and writes the same items as Python's
 * `WrappedCryptographicMaterialsProvider` and Java's `WrappedMaterialsProvider`.
 *
 * @example
 * const provider = new WrappedMaterialsProvider({
 *   wrappingKey: LocalDelegatedKey.fromBytes({ key: wrappingBytes, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' }),
 *   unwrappingKey: sameAesKey,
 *   signingKey: LocalDelegatedKey.fromBytes({ key: macBytes, algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' }),
 * })
 * const stored = await encryptItem(item, { materialsProvider: provider, encryptionContext: { tableName }, attributeActions })
 */
export class WrappedMaterialsProvider implements CryptographicMaterialsProvider, PreparesDecryption {
  readonly #wrappingKey: DelegatedKey | undefined
  readonly #unwrappingKey: DelegatedKey | undefined
  readonly #signingKey: DelegatedKey
  readonly #verificationKey: DelegatedKey
  readonly #materialDescription: Readonly<Record<string, string>>
  readonly #contentAlgorithmText: string
  readonly #contentKeyBytes: number
  /**
   * The last `amzn-ddb-env-alg` text read and what it parses to: items of one writer all carry the same one, so it
   * is parsed once, not per item. Reassigned as a pair (frozen); a different text is parsed as before.
   */
  #lastContentAlgorithm: { readonly text: string; readonly parsed: ContentAlgorithm | string } | undefined
  /**
   * Content keys unwrapped ahead of their items by {@link WrappedMaterialsProvider.[PREPARE_DECRYPTION]} (a
   * `decryptItems` batch), by the item's `amzn-ddb-env-key` text; each is taken once, and the rest are dropped when
   * the batch is done.
   */
  readonly #prepared = new Map<string, PreparedKey>()

  /**
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when an option has the wrong type; the message names the option.
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when `materialDescription` names an unusable content key
   * algorithm or contains `amzn-ddb-env-key`.
   */
  constructor(options: WrappedMaterialsProviderOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('WrappedMaterialsProvider: options must be an object')
    }
    checkKeyOption('wrappingKey', options.wrappingKey, false)
    checkKeyOption('unwrappingKey', options.unwrappingKey, false)
    checkKeyOption('signingKey', options.signingKey, true)
    checkKeyOption('verificationKey', options.verificationKey, false)
    const description = copyDescriptionOption('materialDescription', options.materialDescription)
    // A configured env-key would be merged into items that lack one on decrypt, silently unwrapping a key the item
    // never carried; and on encrypt it would be overwritten anyway. Refuse it.
    if (hasOwn(description, MaterialDescriptionKey.WrappedDataKey)) {
      throw new InvalidArgumentError(
        `"materialDescription" option must not contain "${MaterialDescriptionKey.WrappedDataKey}": ` +
        'the provider writes a new wrapped key for every item',
      )
    }
    const contentAlgorithmText = getOwn(description, MaterialDescriptionKey.ContentEncryptionAlgorithm) ?? DEFAULT_CONTENT_ALGORITHM
    const contentAlgorithm = parseContentAlgorithm(contentAlgorithmText)
    if (typeof contentAlgorithm === 'string') {
      throw new InvalidAlgorithmError(
        `"materialDescription" option entry "${MaterialDescriptionKey.ContentEncryptionAlgorithm}" is not usable: ` +
        `${contentAlgorithm}; use "AES/256", "AES/192", "AES/128" or leave it out`,
      )
    }
    this.#wrappingKey = options.wrappingKey
    this.#unwrappingKey = options.unwrappingKey
    this.#signingKey = options.signingKey
    this.#verificationKey = options.verificationKey ?? options.signingKey
    this.#materialDescription = Object.freeze(description)
    this.#contentAlgorithmText = contentAlgorithmText
    this.#contentKeyBytes = contentAlgorithm.bits / 8
    Object.freeze(this)
  }

  /**
   * Makes a new content key, wraps it with the wrapping key and returns frozen materials whose description carries
   * the wrapped key (FORMAT.md 7.2). The context is not used.
   *
   * @throws {WrappingError} ERR_WRAPPING_FAILED when no wrapping key is configured or wrapping fails.
   */
  async getEncryptionMaterials(_context: EncryptionContext): Promise<EncryptionMaterials> {
    const wrappingKey = this.#wrappingKey
    if (wrappingKey === undefined) {
      throw new WrappingError('This WrappedMaterialsProvider has no "wrappingKey", so it cannot encrypt; pass one to the constructor')
    }
    const description = this.#materialDescription
    const wrapAlgorithm = getOwn(description, MaterialDescriptionKey.ContentKeyWrappingAlgorithm) ?? wrapTransformationFor(wrappingKey.algorithm)
    // Our own AES wrapping keys make and wrap content keys in batches (core's wrapNewContentKey: about 12 µs less
    // per item); any other wrapping key takes the plain path below.
    const fresh = wrapNewContentKey(wrappingKey, wrapAlgorithm, this.#contentKeyBytes * 8)
    let wrapped: Uint8Array
    let encryptionKey: DelegatedKey
    if (fresh !== undefined) {
      ;({ wrapped, contentKey: encryptionKey } = fresh)
    } else {
      const contentKey = randomKeyBytes(this.#contentKeyBytes)
      try {
        try {
          wrapped = await wrappingKey.wrap(wrapAlgorithm, contentKey)
        } catch (error) {
          // A key that refuses to write (too short, public-only) already says what to change.
          if (error instanceof WrappingError || error instanceof InvalidKeyError) throw error
          throw new WrappingError(`Unable to wrap the content key with "${wrapAlgorithm}"; check that the wrapping key supports it`, { cause: error })
        }
        encryptionKey = LocalDelegatedKey.fromBytes({ key: contentKey, algorithm: JceName.Aes, keyType: 'symmetric', encoding: 'RAW' })
      } finally {
        contentKey.fill(0)
      }
    }
    // FORMAT.md 7.2: configured description + env-key + env-alg (as configured, Python style) + wrap-alg. The
    // description is new, plain and ours alone: adopted (frozen in place), not copied a second time.
    const materialDescription = {
      ...description,
      [MaterialDescriptionKey.WrappedDataKey]: toBase64(wrapped),
      [MaterialDescriptionKey.ContentEncryptionAlgorithm]: this.#contentAlgorithmText,
      [MaterialDescriptionKey.ContentKeyWrappingAlgorithm]: wrapAlgorithm,
    }
    // New materials for this item only (a new content key): marked so, the encryptor does not remember them.
    return adoptEncryptionMaterials(materialDescription, encryptionKey, this.#signingKey, true)
  }

  /**
   * Unwraps the content key stored in the item's material description (`context.materialDescription`, merged over
   * the provider's) and returns frozen materials (FORMAT.md 7.2). The description is not signed, so every entry is
   * checked: a changed key length or algorithm fails here rather than yielding a different key.
   *
   * RSA PKCS#1 v1.5 items (read only: no `amzn-ddb-wrap-alg` with an RSA unwrapping key, or
   * `RSA/ECB/PKCS1Padding`) use implicit rejection: whatever the wrapped key holds (bad padding, a key of another
   * length, a key wrapped under another RSA key) this method returns materials, and a wrong key fails later, when
   * attributes are decrypted (`DecryptionError`, `Decryption failed`), like any other wrong key.
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT when `context` is malformed (see `checkEncryptionContext`).
   * @throws {UnwrappingError} ERR_UNWRAPPING_FAILED when no unwrapping key is configured, the item has no wrapped
   * key (it was not written by a wrapped provider), or the key cannot be unwrapped or does not match its description
   * (AESWrap, RSA-OAEP). Every failure to recover the key has the same message; the detail is in `cause`.
   */
  async getDecryptionMaterials(context: EncryptionContext): Promise<DecryptionMaterials> {
    checkEncryptionContext(context, 'WrappedMaterialsProvider.getDecryptionMaterials')
    const unwrappingKey = this.#unwrappingKey
    if (unwrappingKey === undefined) {
      throw new UnwrappingError('This WrappedMaterialsProvider has no "unwrappingKey", so it cannot decrypt; pass one to the constructor')
    }
    // Python merges the provider's description under the item's; the item's entries win.
    const description: Record<string, string> = { ...this.#materialDescription }
    const itemDescription = context.materialDescription
    for (const key of Object.keys(itemDescription)) setOwn(description, key, itemDescription[key] as string)
    const wrappedText = getOwn(description, MaterialDescriptionKey.WrappedDataKey)
    if (wrappedText === undefined) {
      // The reference libraries would generate a fresh key here and fail later; say what happened instead.
      throw new UnwrappingError(
        `The item's material description has no "${MaterialDescriptionKey.WrappedDataKey}": it was not written by a ` +
        'wrapped materials provider; read it with the provider that wrote it',
      )
    }
    // Absent env-alg (never written by either library) reads as a bare `AES`: the key is whatever was wrapped.
    const contentAlgorithm = this.#contentAlgorithmOf(getOwn(description, MaterialDescriptionKey.ContentEncryptionAlgorithm) ?? JceName.Aes)
    if (typeof contentAlgorithm === 'string') {
      throw new UnwrappingError(UNWRAP_FAILED, { cause: new Error(`"${MaterialDescriptionKey.ContentEncryptionAlgorithm}": ${contentAlgorithm}`) })
    }
    const wrapAlgorithm = getOwn(description, MaterialDescriptionKey.ContentKeyWrappingAlgorithm) ?? defaultUnwrapTransformation(unwrappingKey.algorithm)
    if (wrapAlgorithm === undefined) {
      throw new UnwrappingError(
        `The item's material description has no "${MaterialDescriptionKey.ContentKeyWrappingAlgorithm}" and an ` +
        `"${unwrappingKey.algorithm}" unwrapping key has no default transformation; the item was altered or not written by a wrapped provider`,
      )
    }
    // Our own keys are told the length the description names, so that the length is enforced inside the unwrap:
    // PKCS#1 v1.5 (read only) then turns a well-padded key of another length into its synthetic key like any other
    // bad ciphertext (implicit rejection), and no outcome of that path is visible before attributes are decrypted.
    // Other DelegatedKeys get the bare algorithm, as the reference clients pass it.
    const keyAlgorithm = this.#keyAlgorithmFor(contentAlgorithm, unwrappingKey)
    // A key unwrapped ahead of this item (decryptItems): the one the unwrap below gives for the same text,
    // transformation and key algorithm, which decoded and unwrapped without error (else it would not be there).
    let decryptionKey = this.#prepared.size === 0 ? undefined : this.#takePrepared(wrappedText, wrapAlgorithm, keyAlgorithm)
    if (decryptionKey === undefined) {
      const wrapped = fromBase64(wrappedText)
      if (wrapped === undefined) {
        throw new UnwrappingError(UNWRAP_FAILED, { cause: new Error(`"${MaterialDescriptionKey.WrappedDataKey}" is not valid base64`) })
      }
      try {
        // Our own keys unwrap synchronously (core's unwrapContentKey: the same key or error, without a promise and an
        // await per item); any other key is awaited.
        decryptionKey =
          unwrapContentKey(unwrappingKey, wrapAlgorithm, wrapped, keyAlgorithm) ??
          await unwrappingKey.unwrap(wrapAlgorithm, wrapped, keyAlgorithm, 'symmetric')
      } catch (error) {
        throw new UnwrappingError(UNWRAP_FAILED, { cause: error })
      }
    }
    // The description is unsigned (FORMAT.md 3.4): if it names a length, the unwrapped key must have it (our own
    // keys already enforced it above; this is for other DelegatedKeys).
    const sizeBits = (decryptionKey as { readonly sizeBits?: unknown }).sizeBits
    if (contentAlgorithm.bitsNamed && typeof sizeBits === 'number' && sizeBits !== contentAlgorithm.bits) {
      throw new UnwrappingError(UNWRAP_FAILED, {
        cause: new Error(`the unwrapped key has ${sizeBits} bits but "${MaterialDescriptionKey.ContentEncryptionAlgorithm}" says ${contentAlgorithm.bits}`),
      })
    }
    // `description` is the merged copy built above, plain and ours alone: adopted, not copied again.
    return adoptDecryptionMaterials(description, decryptionKey, this.#verificationKey)
  }

  /** Nothing is cached: does nothing. */
  async refresh(): Promise<void> {}

  /**
   * Batch preparation (core's `decryptItems`, see `PREPARE_DECRYPTION`): for each description, what
   * {@link WrappedMaterialsProvider.getDecryptionMaterials} would unwrap (the same merge, env-key, env-alg,
   * transformation and key algorithm), unwrapped at once by our own unwrapping key (core's `unwrapContentKeys`:
   * AESWrap over one ECB context, about 1 µs per key instead of 6–7 µs on Node 20); kept until its item asks, or
   * until the returned function drops it. Anything it cannot prepare is left to the plain path. Never throws.
   * @internal
   */
  [PREPARE_DECRYPTION](descriptions: ReadonlyArray<Readonly<Record<string, string>> | undefined>): () => void {
    const unwrappingKey = this.#unwrappingKey
    if (!(unwrappingKey instanceof LocalDelegatedKey)) return NOTHING
    const added: [string, PreparedKey][] = []
    try {
      const own = this.#materialDescription
      const groups = new Map<string, { wrapAlgorithm: string; keyAlgorithm: string; texts: string[]; wrapped: Uint8Array[] }>()
      for (const itemDescription of descriptions) {
        if (typeof itemDescription !== 'object' || itemDescription === null) continue
        // The merge of getDecryptionMaterials: the item's entries win over the provider's.
        const entry = (key: string): string | undefined => (hasOwn(itemDescription, key) ? itemDescription[key] : getOwn(own, key))
        const wrappedText = entry(MaterialDescriptionKey.WrappedDataKey)
        if (typeof wrappedText !== 'string' || this.#prepared.has(wrappedText)) continue
        const contentAlgorithm = this.#contentAlgorithmOf(entry(MaterialDescriptionKey.ContentEncryptionAlgorithm) ?? JceName.Aes)
        if (typeof contentAlgorithm === 'string') continue
        const wrapAlgorithm = entry(MaterialDescriptionKey.ContentKeyWrappingAlgorithm) ?? defaultUnwrapTransformation(unwrappingKey.algorithm)
        if (typeof wrapAlgorithm !== 'string') continue
        const wrapped = fromBase64(wrappedText)
        if (wrapped === undefined) continue
        const keyAlgorithm = this.#keyAlgorithmFor(contentAlgorithm, unwrappingKey)
        const groupName = `${wrapAlgorithm}\n${keyAlgorithm}`
        let group = groups.get(groupName)
        if (group === undefined) {
          group = { wrapAlgorithm, keyAlgorithm, texts: [], wrapped: [] }
          groups.set(groupName, group)
        }
        group.texts.push(wrappedText)
        group.wrapped.push(wrapped)
      }
      for (const { wrapAlgorithm, keyAlgorithm, texts, wrapped } of groups.values()) {
        const keys = unwrapContentKeys(unwrappingKey, wrapAlgorithm, wrapped, keyAlgorithm)
        for (let i = 0; i < texts.length; i++) {
          const key = keys[i]
          if (key === undefined) continue
          const prepared: PreparedKey = Object.freeze({ wrapAlgorithm, keyAlgorithm, key })
          this.#prepared.set(texts[i] as string, prepared)
          added.push([texts[i] as string, prepared])
        }
      }
    } catch {
      // Prepares nothing more; what was prepared stays correct.
    }
    if (added.length === 0) return NOTHING
    return () => {
      for (const [text, prepared] of added) if (this.#prepared.get(text) === prepared) this.#prepared.delete(text)
    }
  }

  /** The prepared key for this text, transformation and key algorithm, taken out (each is used once), if any. */
  #takePrepared(wrappedText: string, wrapAlgorithm: string, keyAlgorithm: string): DelegatedKey | undefined {
    const prepared = this.#prepared.get(wrappedText)
    if (prepared === undefined || prepared.wrapAlgorithm !== wrapAlgorithm || prepared.keyAlgorithm !== keyAlgorithm) return undefined
    this.#prepared.delete(wrappedText)
    return prepared.key
  }

  /**
   * The key algorithm the unwrapping key is asked for: ours get the length the description names (`AES/256`), so it
   * is enforced inside the unwrap; other DelegatedKeys the bare algorithm, as the reference clients pass it.
   */
  #keyAlgorithmFor(contentAlgorithm: ContentAlgorithm, unwrappingKey: DelegatedKey): string {
    return contentAlgorithm.bitsNamed && unwrappingKey instanceof LocalDelegatedKey
      ? `${contentAlgorithm.algorithm}/${contentAlgorithm.bits}`
      : contentAlgorithm.algorithm
  }

  /** `parseContentAlgorithm(text)`, remembered for the last text (see {@link WrappedMaterialsProvider.#lastContentAlgorithm}). */
  #contentAlgorithmOf(text: string): ContentAlgorithm | string {
    const last = this.#lastContentAlgorithm
    if (last !== undefined && last.text === text) return last.parsed
    const parsed = parseContentAlgorithm(text)
    this.#lastContentAlgorithm = Object.freeze({ text, parsed })
    return parsed
  }
}
