import type { CryptographicMaterialsProvider } from '@ddb-encryption/core'

/**
 * A versioned store of materials providers, keyed by material name and version (FORMAT.md 7.4, 7.5). The
 * {@link MostRecentProvider} asks a store for the newest version when it encrypts and for the item's version when
 * it decrypts. {@link MetaStore} is the DynamoDB implementation; implement this interface to keep versions
 * somewhere else.
 *
 * Versions are non-negative integers starting at 0. Implementations must be safe to call concurrently (from
 * several providers and several processes): creating a version that another writer created first must return
 * the winner's provider, never a second set of keys for the same version.
 *
 * The interface lives in this package, not in core, because the most-recent provider is its only consumer and
 * anyone who implements a store installs this package anyway.
 */
export interface ProviderStore {
  /**
   * Returns the provider of `version`, creating that version first if it does not exist yet. When two callers
   * create the same version at once, both get the provider of whichever write won.
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for a bad material name or version.
   */
  getOrCreateProvider(materialName: string, version: number): Promise<CryptographicMaterialsProvider>
  /**
   * With `version`: returns the provider of that existing version (never creates it). Without: the newest
   * version's provider, creating version 0 if the material name has no version yet.
   *
   * @throws {InvalidVersionError} ERR_INVALID_VERSION if `version` does not exist or is unusable.
   */
  provider(materialName: string, version?: number): Promise<CryptographicMaterialsProvider>
  /**
   * The highest version stored for `materialName`, or `undefined` when the name has no version at all
   * (Python raises its NoKnownVersionError, Java returns -1; `undefined` keeps "none" out of the number range).
   */
  maxVersion(materialName: string): Promise<number | undefined>
  /**
   * Reads the version from a material description written by one of this store's providers
   * (`amzn-ddb-meta-id` = `<name>#<version>`).
   *
   * @throws {ProviderStoreError} ERR_PROVIDER_STORE if the description has no meta id.
   * @throws {InvalidVersionError} ERR_INVALID_VERSION if the version part is not a decimal integer.
   */
  versionFromMaterialDescription(materialDescription: Readonly<Record<string, string>>): number
  /**
   * Rotation: creates the next version (highest + 1, or 0 when there is none) and returns its provider. Data
   * written before keeps decrypting with its own version; encryptors switch when their cache TTL runs out.
   */
  newProvider(materialName: string): Promise<CryptographicMaterialsProvider>
}
