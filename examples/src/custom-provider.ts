import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import {
  AttributeActions,
  LocalDelegatedKey,
  MaterialsUnavailableError,
  createDecryptionMaterials,
  createEncryptionMaterials,
  hkdfSha256,
  invalidOption,
  type CryptographicMaterialsProvider,
  type DecryptionMaterials,
  type EncryptionContext,
  type EncryptionMaterials,
} from '@ddb-encryption/core'
import { EncryptedDynamoDBDocumentClient, type NativeItem } from '@ddb-encryption/client-helpers'

/** Material description entry naming the tenant whose keys protect the item (not a reserved `amzn-ddb-` name). */
export const TENANT_DESCRIPTION_KEY = 'example-tenant-id'

/** Options for {@link TenantKeyMaterialsProvider}. */
export interface TenantKeyMaterialsProviderOptions {
  /** Master secret, at least 32 bytes; every tenant's keys are derived from it. Copied. */
  masterSecret: Uint8Array
  /** Attribute holding the tenant id (an `S` value); keep it signed (a key attribute is). Default `'tenant'`. */
  tenantAttribute?: string
}

/**
 * A custom {@link CryptographicMaterialsProvider} in a few dozen lines: each tenant gets its own AES-256 and
 * HMAC-SHA256 keys, derived on demand from one master secret with HKDF-SHA256. The tenant id is written to the
 * item's material description; on read it must match the item's (signed) tenant attribute, so an item moved to
 * another tenant is refused before any key is derived for it.
 */
export class TenantKeyMaterialsProvider implements CryptographicMaterialsProvider {
  readonly #masterSecret: Uint8Array
  readonly #tenantAttribute: string

  /** @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if `masterSecret` is shorter than 32 bytes. */
  constructor(options: TenantKeyMaterialsProviderOptions) {
    if (!(options.masterSecret instanceof Uint8Array) || options.masterSecret.length < 32) {
      throw invalidOption('TenantKeyMaterialsProvider', 'masterSecret', 'a Uint8Array of at least 32 bytes')
    }
    this.#masterSecret = options.masterSecret.slice()
    this.#tenantAttribute = options.tenantAttribute ?? 'tenant'
    Object.freeze(this)
  }

  /** Keys of the tenant named by the item being written. */
  async getEncryptionMaterials(context: EncryptionContext): Promise<EncryptionMaterials> {
    const tenant = this.#tenantOf(context)
    const { encryptionKey, signingKey } = this.#keysFor(tenant)
    return createEncryptionMaterials({ materialDescription: { [TENANT_DESCRIPTION_KEY]: tenant }, encryptionKey, signingKey })
  }

  /** Keys of the tenant named by the stored item's description, which must match its tenant attribute. */
  async getDecryptionMaterials(context: EncryptionContext): Promise<DecryptionMaterials> {
    const tenant = this.#tenantOf(context)
    if (context.materialDescription[TENANT_DESCRIPTION_KEY] !== tenant) {
      throw new MaterialsUnavailableError(`The item's "${TENANT_DESCRIPTION_KEY}" does not match its "${this.#tenantAttribute}" attribute; it was written for another tenant`)
    }
    const { encryptionKey, signingKey } = this.#keysFor(tenant)
    return createDecryptionMaterials({ materialDescription: context.materialDescription, decryptionKey: encryptionKey, verificationKey: signingKey })
  }

  /** Nothing is cached. */
  async refresh(): Promise<void> {}

  #tenantOf(context: EncryptionContext): string {
    const value = context.attributes[this.#tenantAttribute]
    if (value === undefined || !('S' in value) || value.S === '') {
      throw new MaterialsUnavailableError(`The item has no "${this.#tenantAttribute}" string attribute; it names the tenant whose keys to use`)
    }
    return value.S
  }

  #keysFor(tenant: string): { encryptionKey: LocalDelegatedKey; signingKey: LocalDelegatedKey } {
    // Distinct HKDF info strings give independent keys per tenant and per purpose.
    const aes = hkdfSha256(this.#masterSecret, `tenant-encryption:${tenant}`, 32)
    const mac = hkdfSha256(this.#masterSecret, `tenant-signing:${tenant}`, 32)
    try {
      return {
        encryptionKey: LocalDelegatedKey.fromBytes({ key: aes, algorithm: 'AES' }),
        signingKey: LocalDelegatedKey.fromBytes({ key: mac, algorithm: 'HmacSHA256' }),
      }
    } finally {
      aes.fill(0)
      mac.fill(0)
    }
  }
}

/** Options for {@link customProvider}. */
export interface CustomProviderOptions {
  /** Your DynamoDB client (you destroy it). */
  dynamoDBClient: DynamoDBClient
  /** Existing table with partition key `tenant` (S) and sort key `id` (S). */
  tableName: string
  /** Master secret, at least 32 bytes. */
  masterSecret: Uint8Array
}

/** What {@link customProvider} wrote and read. */
export interface CustomProviderResult {
  /** The documents written, one per tenant. */
  readonly written: readonly NativeItem[]
  /** The same documents read back, in the same order. */
  readonly decrypted: readonly (NativeItem | undefined)[]
}

/**
 * Uses {@link TenantKeyMaterialsProvider} with the encrypted document client: two tenants' records, each encrypted
 * and signed with that tenant's own derived keys.
 *
 * @example
 * const result = await customProvider({ dynamoDBClient, tableName: 'records', masterSecret })
 */
export async function customProvider(options: CustomProviderOptions): Promise<CustomProviderResult> {
  const { dynamoDBClient, tableName } = options
  const docClient = EncryptedDynamoDBDocumentClient.from(dynamoDBClient, {
    materialsProvider: new TenantKeyMaterialsProvider({ masterSecret: options.masterSecret }),
    attributeActions: new AttributeActions(), // encrypt and sign everything but the keys (found with DescribeTable)
  })
  const written = [
    { tenant: 'acme', id: 'r1', note: 'acme only' },
    { tenant: 'globex', id: 'r1', note: 'globex only' },
  ]
  for (const item of written) await docClient.send(new PutCommand({ TableName: tableName, Item: item }))
  const decrypted = []
  for (const { tenant, id } of written) {
    const { Item } = await docClient.send(new GetCommand({ TableName: tableName, Key: { tenant, id }, ConsistentRead: true }))
    decrypted.push(Item)
  }
  return { written, decrypted }
}
