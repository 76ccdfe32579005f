import { InvalidArgumentError, type CryptoConfig } from '@ddb-encryption/core'
import { migrationCryptoOptions, type MigrationConfiguration, type MigrationCryptoOptions } from './migration-configuration'
import { configFor, type MigrationWindowOptions, type ReadConfiguration } from '@ddb-encryption/core'
import { actionsForTable, type TableSchema } from './table-schema'

/** The CryptoConfigs of one job, built the same way in every thread from the configuration. @internal */
export interface PlannerConfigs {
  /** The target, signing with the destination table's name. */
  readonly target: CryptoConfig
  /** The target's keys and actions with the source table's name (reading items already current in the source). */
  readonly source: CryptoConfig
  /** Each previous configuration, with the source table's name (unless it names its own). */
  readonly previous: readonly CryptoConfig[]
  /** The window the source is read through. */
  readonly window: MigrationWindowOptions
  readonly isCurrent: ((description: Readonly<Record<string, string>>) => boolean) | undefined
  /** True when writing into another table. */
  readonly copy: boolean
}

/**
 * Builds a job's configs: every configuration's actions get the table's key attributes as SIGN_ONLY, and every config
 * the configuration's `writeMode` / `acceptPythonRoundedNumbers` (`overrides`, from the job options or the CLI, win).
 * @internal
 */
export function plannerConfigs(
  configuration: MigrationConfiguration,
  schema: TableSchema,
  destinationTableName: string,
  overrides?: MigrationCryptoOptions,
): PlannerConfigs {
  const forwarded = migrationCryptoOptions(configuration, overrides)
  const keys = { partitionKeyName: schema.partitionKeyName, ...(schema.sortKeyName !== undefined ? { sortKeyName: schema.sortKeyName } : {}) }
  const attributeActions = actionsForTable(configuration.target.attributeActions, schema)
  const target: CryptoConfig = {
    materialsProvider: configuration.target.materialsProvider,
    attributeActions,
    encryptionContext: { tableName: destinationTableName, ...keys },
    ...forwarded,
  }
  const source: CryptoConfig = { ...target, encryptionContext: { tableName: schema.tableName, ...keys } }
  const previousReads: ReadConfiguration[] = (configuration.previous ?? []).map((p) => ({
    ...p,
    attributeActions: actionsForTable(p.attributeActions, schema),
    tableName: p.tableName ?? schema.tableName,
  }))
  return {
    target,
    source,
    previous: previousReads.map((p) => configFor(p, source)),
    window: { allowPlaintext: configuration.allowPlaintext === true, previous: previousReads },
    isCurrent: configuration.target.isCurrent,
    copy: destinationTableName !== schema.tableName,
  }
}

/** The config called `name` (`target`, `source` or `previous:<index>`). @internal */
export function configByName(configs: PlannerConfigs, name: string): CryptoConfig {
  if (name === 'target') return configs.target
  if (name === 'source') return configs.source
  const match = /^previous:(\d+)$/.exec(name)
  const config = match !== null ? configs.previous[Number(match[1])] : undefined
  if (config === undefined) throw new InvalidArgumentError(`Unknown migration config name "${name}"`)
  return config
}
