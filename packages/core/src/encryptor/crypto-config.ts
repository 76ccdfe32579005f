import type { AttributeActions } from '../attribute-actions'
import type { Item } from '../attribute-value'
import type { EncryptionContext } from '../encryption-context'
import { InvalidArgumentError } from '../errors'
import type { CryptographicMaterialsProvider } from '../materials/cryptographic-materials-provider'

/** Configuration of one `encryptItem` / `decryptItem` call (Python `CryptoConfig`). */
export interface CryptoConfig {
  /** Supplies the keys for the item. */
  materialsProvider: CryptographicMaterialsProvider
  /**
   * Where the item lives. `tableName` is required: it is signed into every item (FORMAT.md 3.3), so an item only
   * verifies under the table name it was written with. `partitionKeyName` / `sortKeyName`, when given, are refused
   * as ENCRYPT_AND_SIGN and passed on to the provider (Direct KMS puts their values in the KMS context).
   */
  encryptionContext: { tableName: string; partitionKeyName?: string; sortKeyName?: string }
  /** What to do with each attribute. Reader and writer must use the same actions for every attribute. */
  attributeActions: AttributeActions
}

/** Validates the parts of the config both directions need; returns the table name. @internal */
export function checkConfig(config: CryptoConfig): string {
  if (config === null || typeof config !== 'object') {
    throw new InvalidArgumentError('config must be a CryptoConfig object with materialsProvider, encryptionContext and attributeActions')
  }
  const tableName = config.encryptionContext?.tableName
  if (typeof tableName !== 'string' || tableName === '') {
    throw new InvalidArgumentError('tableName is missing; pass it in encryptionContext or use EncryptedTable')
  }
  config.attributeActions.assertKeysNotEncrypted(config.encryptionContext.partitionKeyName, config.encryptionContext.sortKeyName)
  return tableName
}

/** The context handed to the materials provider (FORMAT.md 5.4, 5.5). @internal */
export function buildContext(
  config: CryptoConfig,
  tableName: string,
  attributes: Item,
  materialDescription: Readonly<Record<string, string>>,
): EncryptionContext {
  const { partitionKeyName, sortKeyName } = config.encryptionContext
  return Object.freeze({
    tableName,
    ...(partitionKeyName !== undefined ? { partitionKeyName } : {}),
    ...(sortKeyName !== undefined ? { sortKeyName } : {}),
    attributes,
    materialDescription,
  })
}
