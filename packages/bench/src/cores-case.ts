import { performance } from 'node:perf_hooks'
import { decryptItems, encryptItem, encryptItems, EncryptorPool, type CryptoConfig, type Item } from '@ddb-encryption/core'
import { benchItem } from './bench-item'
import type { BenchKeys } from './bench-keys'
import { interleave, type Contender, type MeasureOptions, type Rate } from './measure'

/** Items per batch in the across-cores case. */
export const CORES_BATCH = 512

/** Rates of one operation: in this thread, on pools of 1 and 2 worker threads, and the same with `useCallingThread`. */
export interface CoresRates {
  readonly inThread: Rate
  readonly pool1: Rate
  readonly pool2: Rate
  /** 1 worker thread plus this one (`useCallingThread`): one thread per core on 2 cores. */
  readonly pool1Caller: Rate
  /** 2 worker threads plus this one (`useCallingThread`). */
  readonly pool2Caller: Rate
}

/** Wall-clock items/s of one batch size, in this thread and on pools of 1 and 2 worker threads. */
export interface CoresResult {
  readonly batch: number
  readonly encrypt: CoresRates
  readonly decrypt: CoresRates
}

/** Runs `batch` back to back; a rate counts items (not batches). */
function batchContender(batch: () => Promise<unknown>, items: number): Contender {
  return {
    async warmup(ms) {
      const end = performance.now() + ms
      while (performance.now() < end) await batch()
    },
    async sample(ms) {
      const cpuStart = process.cpuUsage()
      const start = performance.now()
      let count = 0
      let now = start
      while (now < start + ms) {
        await batch()
        count += items
        now = performance.now()
      }
      const cpu = process.cpuUsage(cpuStart)
      return { wallPerSecond: (count * 1000) / (now - start), cpuPerSecond: count / ((cpu.user + cpu.system) / 1e6), operations: count }
    },
  }
}

/**
 * encryptItems / decryptItems of {@link CORES_BATCH} static-key items: in this thread, on an EncryptorPool of 1 and
 * of 2 threads, and on the same with `useCallingThread` (this thread runs a share of each batch too), interleaved.
 * Wall-clock rates (the point is using more cores); "CPU" rates count every thread of the process.
 */
export async function measureCores(keys: BenchKeys, options: MeasureOptions): Promise<CoresResult> {
  const configModule = require.resolve('./pool-config')
  const start = (threads: number, useCallingThread: boolean): Promise<EncryptorPool> =>
    EncryptorPool.start({ configModule, configData: keys, threads, useCallingThread })
  const pools = [await start(1, false), await start(2, false), await start(1, true), await start(2, true)]
  try {
    const local = await (pools[0] as EncryptorPool).config('static')
    const configs = await Promise.all(pools.map((pool) => pool.config('static')))
    const items: Item[] = Array.from({ length: CORES_BATCH }, (_, i) => benchItem(`customer#${i}`, i))
    const stored = await Promise.all(items.map((item) => encryptItem(item, local)))
    const contenders = (run: typeof encryptItems, input: Item[]): Contender[] => [
      batchContender(() => run(input, local), input.length),
      ...pools.map((pool, i) => batchContender(() => run(input, configs[i] as CryptoConfig, { pool }), input.length)),
    ]
    const rates = (measured: readonly Rate[]): CoresRates => ({
      inThread: measured[0] as Rate,
      pool1: measured[1] as Rate,
      pool2: measured[2] as Rate,
      pool1Caller: measured[3] as Rate,
      pool2Caller: measured[4] as Rate,
    })
    const encrypt = rates(await interleave(contenders(encryptItems, items), options))
    const decrypt = rates(await interleave(contenders(decryptItems, stored), options))
    return { batch: CORES_BATCH, encrypt, decrypt }
  } finally {
    await Promise.all(pools.map((pool) => pool.close()))
  }
}
