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
    const decryptOne = collected<'target' | 'source' | number>((items, which) => decryptItems(items, pick(which), { pool }))
    const encryptOne = collected<'target'>((items) => encryptItems(items, target, { pool }))
    const crypto: PlannerCrypto = {
      decrypt: decryptOne,
      decryptMany: (items, which) => decryptItems(items, pick(which), { pool }),
      encrypt: (item) => encryptOne(item, 'target'),
      encryptMany: (items) => encryptItems(items, target, { pool }),
    }
    return { crypto, close: () => pool.close() }
  } catch (error) {
    await pool.close()
    throw error
  }
}

interface Waiting {
  readonly item: Item
  readonly resolve: (item: Item) => void
  readonly reject: (error: unknown) => void
}

/**
 * One item at a time for the planner, batches for the pool: the single-item calls made while a page is planned
 * (reads under previous configurations, encryptions of the items to write) are collected per config until the next
 * turn of the event loop and sent as one `run` call, so the threads get chunks instead of one message per item. A
 * batch answers with all its items or the error of one of them, so when it fails each of its items is sent again on
 * its own: every call gets its own result or error, as if it had been sent alone. @internal
 */
export function collected<W>(run: (items: Item[], which: W) => Promise<Item[]>): (item: Item, which: W) => Promise<Item> {
  const queues = new Map<W, Waiting[]>()
  const flush = (): void => {
    const ready = [...queues]
    queues.clear()
    for (const [which, queue] of ready) {
      run(queue.map((w) => w.item), which).then(
        (items) => queue.forEach((w, k) => w.resolve(items[k] as Item)),
        (error: unknown) => {
          if (queue.length === 1) return (queue[0] as Waiting).reject(error)
          for (const w of queue) run([w.item], which).then((items) => w.resolve(items[0] as Item), w.reject)
        },
      )
    }
  }
  return (item, which) => new Promise<Item>((resolve, reject) => {
    if (queues.size === 0) setImmediate(flush)
    const queue = queues.get(which)
    if (queue === undefined) queues.set(which, [{ item, resolve, reject }])
    else queue.push({ item, resolve, reject })
  })
}
