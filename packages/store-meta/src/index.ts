/**
 * @ddb-encryption/store-meta: versioned materials kept in a DynamoDB table (MetaStore) and the caching
 * most-recent provider that encrypts with the newest version and decrypts with each item's own version.
 */
export type { ProviderStore } from './provider-store'
export { MetaStore, type MetaStoreOptions, type MetaStoreCreateTableOptions } from './meta-store'
export { MostRecentProvider, MOST_RECENT_GRACE_PERIOD_MS, type MostRecentProviderOptions } from './most-recent-provider'
export { versionFromMaterialDescription } from './version'
