import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue as SdkAttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import {
  AttributeActions,
  CryptoAction,
  InvalidVersionError,
  JceName,
  LocalDelegatedKey,
  META_STORE_MATERIAL_TYPE_VERSION,
  MaterialDescriptionKey,
  MetaStoreAttribute,
  ProviderStoreError,
  decryptItem,
  encryptItem,
  randomKeyBytes,
  setOwn,
  type AttributeValue,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type Item,
  booleanOption,
  durationOption,
  methodsOption,
  oneOfOption,
  optionsObject,
  positiveIntegerOption,
  retry,
  stringOption,
  withUserAgent,
} from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import type { ProviderStore } from './provider-store'
import { PACKAGE_VERSION } from './package-version'
import {
  assertMaterialName,
  assertVersion,
  metaId,
  parseVersion,
  versionFromMaterialDescription,
} from './version'

/** Options for {@link MetaStore}. */
export interface MetaStoreOptions {
  /** DynamoDB client (you build it, you destroy it); only `send` is used. */
  client: Pick<DynamoDBClient, 'send'>
  /** Name of the MetaStore table (see {@link MetaStore.createTable}). Also signed into every row. */
  tableName: string
  /**
   * The meta provider that encrypts and signs the rows: Direct KMS, wrapped or static. Whoever can use it can
   * read every key in the table.
   */
  materialsProvider: CryptographicMaterialsProvider
  /** Strongly consistent reads for GetItem and Query. Default `true` (as Java; Python reads eventually consistent). */
  consistentRead?: boolean
}

/** Options for {@link MetaStore.createTable}. */
export interface MetaStoreCreateTableOptions {
  /** DynamoDB client (you build it, you destroy it); only `send` is used. */
  client: Pick<DynamoDBClient, 'send'>
  /** Name of the table to create. */
  tableName: string
  /**
   * `PROVISIONED` (the reference clients' only mode) or `PAY_PER_REQUEST` (on-demand; usually the better choice,
   * since the table sees a burst of reads whenever a fleet's caches expire). Default `PROVISIONED`.
   */
  billingMode?: 'PROVISIONED' | 'PAY_PER_REQUEST'
  /** Provisioned read capacity units (PROVISIONED only). Default 1. */
  readCapacityUnits?: number
  /** Provisioned write capacity units (PROVISIONED only). Default 1. */
  writeCapacityUnits?: number
  /** Milliseconds to wait for the table to become ACTIVE. Default 300000 (5 minutes). */
  waitTimeoutMs?: number
}

const { MaterialName: N, Version: V } = MetaStoreAttribute
/** Key bytes generated for each new version: 32 random bytes each, as both reference clients (FORMAT.md 7.4). */
const GENERATED_KEY_BYTES = 32

/**
 * A {@link ProviderStore} in a DynamoDB table (FORMAT.md 7.4): each row holds one version of a material name, an
 * AES wrapping key and an HMAC-SHA256 signing key, encrypted and signed by a meta provider. Each version yields a
 * `WrappedMaterialsProvider`. Rows are byte-compatible with the Python and Java MetaStore, so all three clients
 * can share one table.
 *
 * @example
 * const store = new MetaStore({ client: ddb, tableName: 'meta', materialsProvider: kmsProvider })
 * const provider = new MostRecentProvider({ store, materialName: 'orders', ttlMs: 60_000 })
 * await store.newProvider('orders') // rotate: encryptors pick up the new version after their TTL
 */
export class MetaStore implements ProviderStore {
  readonly tableName: string
  readonly consistentRead: boolean
  readonly #client: Pick<DynamoDBClient, 'send'>
  readonly #config: CryptoConfig

  /**
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if an option is missing or of the wrong type.
   */
  constructor(options: MetaStoreOptions) {
    const where = 'MetaStore'
    optionsObject(options, where)
    const client = methodsOption<Pick<DynamoDBClient, 'send'>>(options.client, where, 'client', ['send'], 'a DynamoDB client')
    const tableName = stringOption(options.tableName, where, 'tableName')
    const materialsProvider = methodsOption<CryptographicMaterialsProvider>(options.materialsProvider, where, 'materialsProvider',
      ['getEncryptionMaterials', 'getDecryptionMaterials'], 'a CryptographicMaterialsProvider')
    const consistentRead = booleanOption(options.consistentRead, where, 'consistentRead', true)
    this.tableName = tableName
    this.consistentRead = consistentRead
    this.#client = client
    // FORMAT.md 7.4: table name = MetaStore table, partition key N, sort key V; N and V sign-only, the rest
    // (t, encAlg, enc, intAlg, int) encrypted and signed.
    this.#config = Object.freeze({
      materialsProvider,
      encryptionContext: Object.freeze({ tableName, partitionKeyName: N, sortKeyName: V }),
      attributeActions: new AttributeActions({
        defaultAction: CryptoAction.ENCRYPT_AND_SIGN,
        attributeActions: { [N]: CryptoAction.SIGN_ONLY, [V]: CryptoAction.SIGN_ONLY },
      }),
    })
    Object.freeze(this)
  }

  /**
   * Creates a MetaStore table (key schema `N` HASH string, `V` RANGE number) and waits until it is ACTIVE.
   * DynamoDB errors (for example `ResourceInUseException` when it exists) pass through unchanged.
   *
   * @example
   * await MetaStore.createTable({ client: ddb, tableName: 'meta', billingMode: 'PAY_PER_REQUEST' })
   */
  static async createTable(options: MetaStoreCreateTableOptions): Promise<void> {
    const where = 'MetaStore.createTable'
    optionsObject(options, where)
    const client = methodsOption<Pick<DynamoDBClient, 'send'>>(options.client, where, 'client', ['send'], 'a DynamoDB client')
    const tableName = stringOption(options.tableName, where, 'tableName')
    const billingMode = oneOfOption(options.billingMode, where, 'billingMode', ['PROVISIONED', 'PAY_PER_REQUEST'] as const, 'PROVISIONED')
    const readCapacityUnits = positiveIntegerOption(options.readCapacityUnits, where, 'readCapacityUnits', 1)
    const writeCapacityUnits = positiveIntegerOption(options.writeCapacityUnits, where, 'writeCapacityUnits', 1)
    const waitTimeoutMs = durationOption(options.waitTimeoutMs, where, 'waitTimeoutMs', { allowZero: true, fallback: 300_000 })
    await client.send(withUserAgent(new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: N, AttributeType: 'S' }, { AttributeName: V, AttributeType: 'N' }],
      KeySchema: [{ AttributeName: N, KeyType: 'HASH' }, { AttributeName: V, KeyType: 'RANGE' }],
      ...(billingMode === 'PAY_PER_REQUEST'
        ? { BillingMode: 'PAY_PER_REQUEST' }
        : { BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: readCapacityUnits, WriteCapacityUnits: writeCapacityUnits } }),
    }), PACKAGE_VERSION))
    const described = await retry(
      { baseDelayMs: 20, maxDelayMs: 2000, timeoutMs: waitTimeoutMs },
      () => client.send(withUserAgent(new DescribeTableCommand({ TableName: tableName }), PACKAGE_VERSION)),
      (output) => output.Table?.TableStatus !== 'ACTIVE',
    )
    if (described.Table?.TableStatus !== 'ACTIVE') {
      throw new ProviderStoreError(`Table "${tableName}" was created but is not ACTIVE after ${waitTimeoutMs} ms; wait longer or check the table in the console`)
    }
  }

  /**
   * Creates `version` with fresh random keys by a conditional put; if another writer created it first
   * (`ConditionalCheckFailedException`), reads the winner and returns its provider instead. Any other DynamoDB
   * or meta-provider error passes through (the Python client swallows them and returns unsaved keys; we do not).
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for a material name containing `#` or a bad version.
   */
  async getOrCreateProvider(materialName: string, version: number): Promise<CryptographicMaterialsProvider> {
    assertMaterialName(materialName)
    assertVersion(version)
    const encryptionKey = randomKeyBytes(GENERATED_KEY_BYTES)
    const integrityKey = randomKeyBytes(GENERATED_KEY_BYTES)
    // FORMAT.md 7.4: the plaintext row.
    const row: Item = {
      [N]: { S: materialName },
      [V]: { N: String(version) },
      [MetaStoreAttribute.MaterialTypeVersion]: { S: META_STORE_MATERIAL_TYPE_VERSION },
      [MetaStoreAttribute.EncryptionAlgorithm]: { S: JceName.Aes },
      [MetaStoreAttribute.EncryptionKey]: { B: encryptionKey },
      [MetaStoreAttribute.IntegrityAlgorithm]: { S: JceName.HmacSha256 },
      [MetaStoreAttribute.IntegrityKey]: { B: integrityKey },
    }
    const encrypted = await encryptItem(row, this.#config)
    try {
      await this.#client.send(withUserAgent(new PutItemCommand({
        TableName: this.tableName,
        Item: toSdkItem(encrypted),
        ConditionExpression: 'attribute_not_exists(#N) AND attribute_not_exists(#V)',
        ExpressionAttributeNames: { '#N': N, '#V': V },
      }), PACKAGE_VERSION))
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error
      // Another writer won the race: its row is the version; ours was never stored.
      return this.#load(materialName, version, true)
    }
    return buildProvider(materialName, version, row)
  }

  /**
   * With `version`: loads that version (never creates it). Without: the newest version, or version 0 created
   * if the material name has none.
   *
   * @throws {InvalidVersionError} ERR_INVALID_VERSION if the version does not exist or has an unknown material type.
   * @throws {ProviderStoreError} ERR_PROVIDER_STORE if the row lacks a field.
   * @throws {SignatureVerificationError} ERR_SIGNATURE_VERIFICATION_FAILED (or another decrypt error from core)
   * if the row was altered.
   */
  async provider(materialName: string, version?: number): Promise<CryptographicMaterialsProvider> {
    assertMaterialName(materialName)
    if (version === undefined) {
      const max = await this.maxVersion(materialName)
      return max === undefined ? this.getOrCreateProvider(materialName, 0) : this.#load(materialName, max, this.consistentRead)
    }
    assertVersion(version)
    return this.#load(materialName, version, this.consistentRead)
  }

  /**
   * Highest stored version of `materialName`, or `undefined` if there is none. One Query for `V` only, newest
   * first, limit 1 (Java style). The row is not decrypted here: the version is only a pointer, and the row it
   * points to is decrypted and its signature verified when it is loaded, so a forged `V` can at worst make
   * readers ask for a version that fails to load.
   *
   * @throws {ProviderStoreError} ERR_PROVIDER_STORE if the stored `V` is not a non-negative integer.
   */
  async maxVersion(materialName: string): Promise<number | undefined> {
    assertMaterialName(materialName)
    const result = await this.#client.send(withUserAgent(new QueryCommand({
      TableName: this.tableName,
      KeyConditionExpression: '#N = :name',
      ExpressionAttributeNames: { '#N': N, '#V': V },
      ExpressionAttributeValues: { ':name': { S: materialName } },
      ProjectionExpression: '#V',
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: this.consistentRead,
    }), PACKAGE_VERSION))
    const first = result.Items?.[0]
    if (first === undefined) return undefined
    const text = first[V]?.N
    const version = text === undefined ? undefined : parseVersion(text)
    if (version === undefined) {
      throw new ProviderStoreError(`A row of table "${this.tableName}" has an invalid "${V}"; it must be a non-negative integer`)
    }
    return version
  }

  /**
   * Version encoded in an item's `amzn-ddb-meta-id` (text after the first `#`).
   *
   * @throws {ProviderStoreError} ERR_PROVIDER_STORE if the description has no meta id.
   * @throws {InvalidVersionError} ERR_INVALID_VERSION if the version is not a decimal integer.
   */
  versionFromMaterialDescription(materialDescription: Readonly<Record<string, string>>): number {
    return versionFromMaterialDescription(materialDescription)
  }

  /**
   * Rotation: creates version max + 1 (0 when there is none) and returns its provider. If another writer creates
   * the same version at the same time, both get the same (winning) keys.
   */
  async newProvider(materialName: string): Promise<CryptographicMaterialsProvider> {
    assertMaterialName(materialName)
    const max = await this.maxVersion(materialName)
    return this.getOrCreateProvider(materialName, max === undefined ? 0 : max + 1)
  }

  async #load(materialName: string, version: number, consistentRead: boolean): Promise<CryptographicMaterialsProvider> {
    const result = await this.#client.send(withUserAgent(new GetItemCommand({
      TableName: this.tableName,
      Key: { [N]: { S: materialName }, [V]: { N: String(version) } },
      ConsistentRead: consistentRead,
    }), PACKAGE_VERSION))
    if (result.Item === undefined) {
      throw new InvalidVersionError(
        `Version ${version} of the requested material name was not found in table "${this.tableName}"; ` +
        'check the material name, or create it with newProvider()',
      )
    }
    const row = await decryptItem(fromSdkItem(result.Item), this.#config)
    return buildProvider(materialName, version, row)
  }
}

/** Builds the wrapped provider of one decrypted (or freshly generated) row (FORMAT.md 7.4). */
function buildProvider(materialName: string, version: number, row: Item): CryptographicMaterialsProvider {
  const type = stringField(row, MetaStoreAttribute.MaterialTypeVersion)
  if (type !== META_STORE_MATERIAL_TYPE_VERSION) {
    throw new InvalidVersionError(
      `Unsupported material type in version ${version}: "${MetaStoreAttribute.MaterialTypeVersion}" must be "${META_STORE_MATERIAL_TYPE_VERSION}"`,
    )
  }
  // The key attributes are signed, and GetItem asked for exactly this key; checking again costs nothing and
  // guards against a store implementation that returns the wrong row.
  if (stringField(row, N) !== materialName || row[V] === undefined || !('N' in row[V]) || parseVersion(row[V].N) !== version) {
    throw new ProviderStoreError(`Invalid record in MetaStore: its "${N}"/"${V}" do not match the requested version`)
  }
  const encAlg = stringField(row, MetaStoreAttribute.EncryptionAlgorithm)
  const enc = binaryField(row, MetaStoreAttribute.EncryptionKey)
  const intAlg = stringField(row, MetaStoreAttribute.IntegrityAlgorithm)
  const int = binaryField(row, MetaStoreAttribute.IntegrityKey)
  if (encAlg === undefined || enc === undefined || intAlg === undefined || int === undefined) {
    throw new ProviderStoreError(
      `Invalid record in MetaStore: version ${version} lacks one of ${MetaStoreAttribute.EncryptionAlgorithm}, ` +
      `${MetaStoreAttribute.EncryptionKey}, ${MetaStoreAttribute.IntegrityAlgorithm}, ${MetaStoreAttribute.IntegrityKey}`,
    )
  }
  if (encAlg !== JceName.Aes) {
    throw new ProviderStoreError(`Invalid record in MetaStore: version ${version} has an unsupported "${MetaStoreAttribute.EncryptionAlgorithm}"; only AES is defined`)
  }
  // Readers accept any key length (a Python vector stores a 16-byte enc and an 8-byte int); LocalDelegatedKey
  // refuses short keys only when they are used to write.
  const wrappingKey = LocalDelegatedKey.fromBytes({ key: enc, algorithm: encAlg, keyType: 'symmetric', encoding: 'RAW' })
  const signingKey = LocalDelegatedKey.fromBytes({ key: int, algorithm: intAlg, keyType: 'symmetric', encoding: 'RAW' })
  return new WrappedMaterialsProvider({
    wrappingKey,
    unwrappingKey: wrappingKey,
    signingKey,
    materialDescription: { [MaterialDescriptionKey.MetaId]: metaId(materialName, version) },
  })
}

function stringField(row: Item, name: string): string | undefined {
  const value = row[name]
  return value !== undefined && 'S' in value ? value.S : undefined
}

function binaryField(row: Item, name: string): Uint8Array | undefined {
  const value = row[name]
  return value !== undefined && 'B' in value ? value.B : undefined
}

function isConditionalCheckFailed(error: unknown): boolean {
  // By name, not instanceof: two copies of the SDK may be installed.
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ConditionalCheckFailedException'
}

/** Core's AttributeValue is structurally the SDK's minus `$unknown`; MetaStore rows hold only S, N and B. */
function toSdkItem(item: Item): Record<string, SdkAttributeValue> {
  return item as unknown as Record<string, SdkAttributeValue>
}

function fromSdkItem(item: Record<string, SdkAttributeValue>): Item {
  const out: Record<string, AttributeValue> = {}
  for (const [name, value] of Object.entries(item)) {
    if (value.$unknown !== undefined) {
      throw new ProviderStoreError(`Invalid record in MetaStore: attribute "${name}" has a type this SDK version does not know`)
    }
    setOwn(out, name, value as unknown as AttributeValue)
  }
  return out
}
