import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { checkCryptoOptions, InvalidArgumentError, type AttributeActions, type CryptoConfig, type CryptographicMaterialsProvider } from '@ddb-encryption/core'
import type { ReadConfiguration } from '@ddb-encryption/core'

/** The configuration items are migrated to: what every item is written with. */
export interface TargetConfiguration {
  materialsProvider: CryptographicMaterialsProvider
  attributeActions: AttributeActions
  /**
   * Whether an item that verifies under the target was also written with the target's materials (and so needs no
   * rewrite), from its material description. Default: the description equals the one the target writes, ignoring
   * the per-item wrapped key (`amzn-ddb-env-key`); this tells MetaStore versions and providers apart. Override it
   * when a provider writes other per-item entries.
   */
  isCurrent?: (materialDescription: Readonly<Record<string, string>>) => boolean
}

/**
 * The options of core's `CryptoConfig` that a migration forwards to every item it reads or writes (target, source and
 * previous configurations), as the encrypted clients of `@ddb-encryption/client-helpers` do.
 */
export type MigrationCryptoOptions = Pick<CryptoConfig, 'writeMode' | 'acceptPythonRoundedNumbers'>

/** The names of {@link MigrationCryptoOptions}. @internal */
export const MIGRATION_CRYPTO_OPTIONS: readonly (keyof MigrationCryptoOptions)[] = ['writeMode', 'acceptPythonRoundedNumbers']

/**
 * The forwarded options set in `base`, overridden by those set in `overrides`, checked by core's rules.
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an unknown `writeMode` or a non-boolean `acceptPythonRoundedNumbers`.
 * @internal
 */
export function migrationCryptoOptions(base: MigrationCryptoOptions | undefined, overrides?: MigrationCryptoOptions): MigrationCryptoOptions {
  const picked: Record<string, unknown> = {}
  for (const source of [base, overrides]) {
    for (const name of MIGRATION_CRYPTO_OPTIONS) if (source?.[name] !== undefined) picked[name] = source[name]
  }
  checkCryptoOptions(picked as MigrationCryptoOptions)
  return Object.freeze(picked) as MigrationCryptoOptions
}

/**
 * Everything a migration job needs to know about keys: the target and what items may hold now, and the
 * `writeMode` / `acceptPythonRoundedNumbers` of core's `CryptoConfig` for every item read and written (default: core's,
 * `'portable'` and `false`; `TableJobOptions` and the CLI flags `--write-mode` / `--accept-python-rounded-numbers`
 * override them).
 */
export interface MigrationConfiguration extends MigrationCryptoOptions {
  target: TargetConfiguration
  /** Configurations items may still be written with, tried in order after the target. Default none. */
  previous?: readonly ReadConfiguration[]
  /** Accept (and migrate) items with no signature and no material description. Default: true for `encrypt-table`, false otherwise. */
  allowPlaintext?: boolean
}

/** What a configuration module's exported function is called with. */
export interface ConfigurationModuleContext {
  /** The command being run: `encrypt-table`, `re-encrypt`, `verify` or `explain`. */
  readonly command: string
  /** The table read. */
  readonly tableName: string
  /** The table written (the same table unless `--to` is given). */
  readonly destinationTableName: string
}

/**
 * Loads a configuration module: a CommonJS or ESM file whose default export (or `module.exports`) is a
 * {@link MigrationConfiguration} or a function (possibly async) of a {@link ConfigurationModuleContext} returning one.
 * Keys cannot go on a command line, so the CLI and the worker threads each load this module and build their own
 * providers. TypeScript modules need a loader (for example `node --import tsx`).
 *
 * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT if the module does not export a usable configuration.
 */
export async function loadConfigurationModule(modulePath: string, context: ConfigurationModuleContext): Promise<MigrationConfiguration> {
  const absolute = path.resolve(modulePath)
  let exported: unknown
  try {
    exported = require(absolute)
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_REQUIRE_ESM') throw error
    exported = await import(pathToFileURL(absolute).href)
  }
  let value = exported as { default?: unknown } | ((context: ConfigurationModuleContext) => unknown)
  if (value !== null && typeof value === 'object' && 'default' in value && value.default !== undefined) value = value.default as typeof value
  const configuration = typeof value === 'function' ? await value(context) : value
  return checkConfiguration(configuration, absolute)
}

/** @throws {InvalidArgumentError} naming what is missing. @internal */
export function checkConfiguration(value: unknown, where = 'configuration'): MigrationConfiguration {
  const configuration = value as Partial<MigrationConfiguration> | null
  const isProvider = (p: unknown): boolean =>
    typeof (p as CryptographicMaterialsProvider | null)?.getEncryptionMaterials === 'function' &&
    typeof (p as CryptographicMaterialsProvider).getDecryptionMaterials === 'function'
  const isActions = (a: unknown): boolean => typeof (a as AttributeActions | null)?.setIndexKeys === 'function'
  if (configuration === null || typeof configuration !== 'object' || configuration.target === undefined) {
    throw new InvalidArgumentError(`${where} must export { target: { materialsProvider, attributeActions }, previous?, allowPlaintext? } or a function returning it`)
  }
  if (!isProvider(configuration.target.materialsProvider) || !isActions(configuration.target.attributeActions)) {
    throw new InvalidArgumentError(`${where}: "target" needs a materialsProvider and attributeActions (an AttributeActions instance)`)
  }
  try {
    migrationCryptoOptions(configuration)
  } catch (error) {
    throw new InvalidArgumentError(`${where}: ${(error as Error).message}`)
  }
  for (const [index, previous] of (configuration.previous ?? []).entries()) {
    if (!isProvider(previous?.materialsProvider) || !isActions(previous?.attributeActions)) {
      throw new InvalidArgumentError(`${where}: "previous[${index}]" needs a materialsProvider and attributeActions (an AttributeActions instance)`)
    }
  }
  return configuration as MigrationConfiguration
}

/** The command's defaults applied: plaintext items are accepted by `encrypt-table` unless the configuration says otherwise. @internal */
export function withCommandDefaults(configuration: MigrationConfiguration, command: string): MigrationConfiguration {
  return { ...configuration, allowPlaintext: configuration.allowPlaintext ?? command === 'encrypt-table' }
}
