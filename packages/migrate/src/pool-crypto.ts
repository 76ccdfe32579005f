import * as fs from 'node:fs'
import * as path from 'node:path'
import { decryptItems, encryptItems, EncryptorPool, type CryptoConfig, type Item } from '@ddb-encryption/core'
import type { PlannerCrypto } from './item-planner'
import type { ConfigurationModuleContext, MigrationCryptoOptions } from './migration-configuration'
import type { TableSchema } from './table-schema'

/** What every worker thread builds its configs from (structured clone). @internal */
export interface PoolConfigData {
  readonly configurationModule: string
  readonly context: ConfigurationModuleContext
  readonly schema: TableSchema
  readonly destinationTableName: string
  /** `writeMode` / `acceptPythonRoundedNumbers` given to the job (they override the configuration module's). */
  readonly cryptoOptions?: MigrationCryptoOptions
}

/** The built module core's EncryptorPool loads in each thread: next to this file, or in dist/ when running from the sources. */
function poolConfigModule(): string {
  const beside = path.join(__dirname, 'pool-crypto-config.js')
  if (fs.existsSync(beside)) return beside
  const built = path.join(__dirname, '..', 'dist', 'pool-crypto-config.js')
  if (fs.existsSync(built)) return built
  throw new Error('dist/pool-crypto-config.js is missing: build @ddb-encryption/migrate first')
}

/**
 * The planner's cryptography on core's {@link EncryptorPool}: `threads` worker threads, each loading the
 * configuration module and building the job's configs by name (`target`, `source`, `previous:<i>`).
 */
export async function startPoolCrypto(data: PoolConfigData, threads: number, previousCount: number): Promise<{ crypto: PlannerCrypto; close: () => Promise<void> }> {
  const pool = await EncryptorPool.start({
    configModule: poolConfigModule(),
    configData: { ...data, configurationModule: path.resolve(data.configurationModule) },
    threads,
  })
  try {
    const target = await pool.config('target')
    const source = await pool.config('source')
    const previous: CryptoConfig[] = []
    for (let i = 0; i < previousCount; i++) previous.push(await pool.config(`previous:${i}`))
    const pick = (which: 'target' | 'source' | number): CryptoConfig =>
      which === 'target' ? target : which === 'source' ? source : (previous[which] as CryptoConfig)
    const crypto: PlannerCrypto = {
      decrypt: async (item, which) => (await decryptItems([item], pick(which), { pool }))[0] as Item,
      decryptMany: (items, which) => decryptItems(items, pick(which), { pool }),
      encrypt: async (item) => (await encryptItems([item], target, { pool }))[0] as Item,
      encryptMany: (items) => encryptItems(items, target, { pool }),
    }
    return { crypto, close: () => pool.close() }
  } catch (error) {
    await pool.close()
    throw error
  }
}
