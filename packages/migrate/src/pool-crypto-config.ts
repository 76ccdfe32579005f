/**
 * The config module of migrate's EncryptorPool (core): in every worker thread, loads the job's configuration module
 * once and returns its configs by name. Not part of the public API.
 */
import type { CryptoConfig } from '@ddb-encryption/core'
import { loadConfigurationModule } from './migration-configuration'
import { configByName, plannerConfigs, type PlannerConfigs } from './planner-configs'
import type { PoolConfigData } from './pool-crypto'

const loaded = new Map<string, Promise<PlannerConfigs>>()

/** core's EncryptorPool config factory: `name` is `target`, `source` or `previous:<index>`. */
export async function createCryptoConfig(name: string, data: PoolConfigData): Promise<CryptoConfig> {
  const key = JSON.stringify([data.configurationModule, data.context, data.destinationTableName, data.cryptoOptions ?? {}])
  let configs = loaded.get(key)
  if (configs === undefined) {
    configs = loadConfigurationModule(data.configurationModule, data.context).then((configuration) =>
      plannerConfigs(configuration, data.schema, data.destinationTableName, data.cryptoOptions))
    loaded.set(key, configs)
  }
  return configByName(await configs, name)
}
