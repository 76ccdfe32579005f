import type { JsonItem } from './dynamodb-json'
import type { BridgeErrorInfo, JsonLinesProcess } from './json-lines-process'

/** A key handed to a bridge (Python: a `JceNameLocalDelegatedKey`; Java: a `SecretKeySpec` or an RSA key). */
export interface BridgeKeySpec {
  /** Key bytes, base64: raw for AES/HMAC, DER (PKCS#8 / SubjectPublicKeyInfo) for RSA. */
  readonly key: string
  /** JCE algorithm name: `AES`, `HmacSHA256`, `RSA`, `SHA256withRSA`, ... */
  readonly algorithm: string
  /** Default `symmetric`. */
  readonly keyType?: 'symmetric' | 'private' | 'public'
  /** Default `RAW`. */
  readonly encoding?: 'RAW' | 'DER' | 'PEM'
}

/**
 * Configuration of one reference materials provider. `asymmetric` (Java's `AsymmetricStaticProvider`: an RSA key
 * pair given as its private key, wrapping with the public half) exists only in Java; the others in both.
 */
export type BridgeProviderSpec =
  | { readonly type: 'static'; readonly encryptionKey?: BridgeKeySpec; readonly signingKey: BridgeKeySpec; readonly materialDescription?: Record<string, string> }
  | {
    readonly type: 'wrapped'
    readonly wrappingKey?: BridgeKeySpec
    readonly unwrappingKey?: BridgeKeySpec
    readonly signingKey: BridgeKeySpec
    readonly materialDescription?: Record<string, string>
  }
  | { readonly type: 'asymmetric'; readonly encryptionKey: BridgeKeySpec; readonly signingKey: BridgeKeySpec; readonly materialDescription?: Record<string, string> }
  | { readonly type: 'kms'; readonly keyId: string; readonly endpoint: string; readonly region?: string; readonly materialDescription?: Record<string, string> }
  | {
    readonly type: 'most_recent'
    readonly endpoint: string
    readonly tableName: string
    readonly materialName: string
    /** Seconds. Default 300. */
    readonly ttlSeconds?: number
    /** Provider that encrypts the MetaStore rows. */
    readonly metaProvider: BridgeProviderSpec
  }

/** Attribute actions as the bridges take them: names of `CryptoAction` members. */
export interface BridgeActions {
  readonly default?: 'DO_NOTHING' | 'SIGN_ONLY' | 'ENCRYPT_AND_SIGN'
  readonly overrides?: Readonly<Record<string, 'DO_NOTHING' | 'SIGN_ONLY' | 'ENCRYPT_AND_SIGN'>>
}

/** Where items live (the encryption context minus the attributes, which are always the item). */
export interface BridgeItemContext {
  readonly tableName?: string
  readonly partitionKeyName?: string
  readonly sortKeyName?: string
}

/** One item of a batch, with its own actions; its context fields, when present, win over the request's. */
export interface BridgeItemEntry extends BridgeItemContext {
  readonly item: JsonItem
  readonly actions: BridgeActions
}

/** Result of one item of a batch. */
export type BridgeItemResult =
  | { readonly ok: true; readonly item: JsonItem; /** base64; Python's decrypt with `resign` only */ readonly signature?: string }
  | { readonly ok: false; readonly error: BridgeErrorInfo }

/**
 * Table access on DynamoDB Local: Python's `EncryptedTable` / `EncryptedResource` (key names from DescribeTable),
 * Java's `DynamoDBEncryptor` over a plain SDK v1 client (key names from `partitionKeyName` / `sortKeyName`).
 */
export interface BridgeTableTarget {
  readonly provider: string
  readonly endpoint: string
  readonly tableName: string
  readonly actions?: BridgeActions
  readonly partitionKeyName?: string
  readonly sortKeyName?: string
}

/**
 * The requests both bridges (`python/helper.py`, `java/`) answer, over one {@link JsonLinesProcess}. Start one per
 * test file (`beforeAll`) through {@link PythonReference.start} or {@link JavaReference.start}; `close()` it in
 * `afterAll`.
 */
export class ReferenceBridge {
  readonly #process: JsonLinesProcess

  protected constructor(process: JsonLinesProcess) {
    this.#process = process
  }

  /** The last lines the bridge wrote to stderr. */
  get stderr(): string {
    return this.#process.stderr
  }

  /**
   * Sends one request and resolves with its `result`.
   * @throws Error with the reference's exception type and message (and the end of stderr) on failure or timeout.
   */
  request(op: string, params: Record<string, unknown>, timeoutMs?: number): Promise<unknown> {
    return this.#process.request(op, params, timeoutMs)
  }

  /** Configures a reference materials provider; resolves with its id for later requests. */
  async configure(spec: BridgeProviderSpec): Promise<string> {
    const { provider } = (await this.request('configure', { spec })) as { provider: string }
    return provider
  }

  /** Encrypts each entry (`encrypt_dynamodb_item` / `DynamoDBEncryptor.encryptRecord`); per-item results in input order. */
  async encryptItems(provider: string, context: BridgeItemContext, entries: readonly BridgeItemEntry[]): Promise<BridgeItemResult[]> {
    return (await this.request('encrypt_items', { provider, ...context, entries })) as BridgeItemResult[]
  }

  /**
   * Decrypts each entry (`decrypt_dynamodb_item` / `DynamoDBEncryptor.decryptRecord`). With `resign` (Python only),
   * each result also carries the signature Python computes over the stored item with the key it verified with.
   */
  async decryptItems(
    provider: string,
    context: BridgeItemContext,
    entries: readonly BridgeItemEntry[],
    options: { resign?: boolean } = {},
  ): Promise<BridgeItemResult[]> {
    return (await this.request('decrypt_items', { provider, ...context, entries, resign: options.resign ?? false })) as BridgeItemResult[]
  }

  /** Clears the provider's caches (`refresh()`). */
  async refresh(provider: string): Promise<void> {
    await this.request('refresh', { provider })
  }

  /** Rotates: the provider's MetaStore creates max version + 1; resolves with the new max version. */
  async metaNewProvider(provider: string): Promise<number> {
    return ((await this.request('meta_new_provider', { provider })) as { version: number }).version
  }

  /** The MetaStore's max version of the provider's material name. */
  async metaMaxVersion(provider: string): Promise<number> {
    return ((await this.request('meta_max_version', { provider })) as { version: number }).version
  }

  /** Writes items through the reference's table access. */
  async tablePut(target: BridgeTableTarget, items: readonly JsonItem[]): Promise<void> {
    await this.request('table_put', { ...target, items })
  }

  /** Reads items by key (consistent); `null` where there is none. */
  async tableGet(target: BridgeTableTarget, keys: readonly JsonItem[]): Promise<Array<JsonItem | null>> {
    return (await this.request('table_get', { ...target, keys })) as Array<JsonItem | null>
  }

  /** Every item of one partition (all pages). */
  async tableQuery(target: BridgeTableTarget, partitionKey: JsonItem): Promise<JsonItem[]> {
    return (await this.request('table_query', { ...target, partitionKey })) as JsonItem[]
  }

  /** Reads items by key with BatchGetItem (unprocessed keys retried). */
  async tableBatchGet(target: BridgeTableTarget, keys: readonly JsonItem[]): Promise<JsonItem[]> {
    return (await this.request('table_batch_get', { ...target, keys })) as JsonItem[]
  }

  /** Ends the bridge process. */
  close(): Promise<void> {
    return this.#process.close()
  }
}
