import { performance } from 'node:perf_hooks'
import { decryptItems, encryptItem, encryptItems, EncryptorPool, type Item } from '@ddb-encryption/core'
import { benchItem } from './bench-item'
import type { BenchKeys } from './bench-keys'
import { interleave, type Contender, type MeasureOptions, type Rate } from './measure'

/** Items per batch in the across-cores case. */
export const CORES_BATCH = 512

/** Wall-clock items/s of one batch size, in this thread and on pools of 1 and 2 worker threads. */
export interface CoresResult {
  readonly batch: number
  readonly encrypt: { readonly inThread: Rate; readonly pool1: Rate; readonly pool2: Rate }
  readonly decrypt: { readonly inThread: Rate; readonly pool1: Rate; readonly pool2: Rate }
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
 * encryptItems / decryptItems of {@link CORES_BATCH} static-key items: in this thread, and on an EncryptorPool of 1
 * and of 2 threads, interleaved. Wall-clock rates (the point is using more cores; "CPU" rates here count this thread
 * only).
 */
export async function measureCores(keys: BenchKeys, options: MeasureOptions): Promise<CoresResult> {
  const configModule = require.resolve('./pool-config')
  const pools = [
    await EncryptorPool.start({ configModule, configData: keys, threads: 1 }),
    await EncryptorPool.start({ configModule, configData: keys, threads: 2 }),
  ]
  try {
    const [one, two] = pools as [EncryptorPool, EncryptorPool]
    const local = await one.config('static')
    const config1 = await one.config('static')
    const config2 = await two.config('static')
    const items: Item[] = Array.from({ length: CORES_BATCH }, (_, i) => benchItem(`customer#${i}`, i))
    const stored = await Promise.all(items.map((item) => encryptItem(item, local)))
    const [encIn, enc1, enc2] = await interleave([
      batchContender(() => encryptItems(items, local), items.length),
      batchContender(() => encryptItems(items, config1, { pool: one }), items.length),
      batchContender(() => encryptItems(items, config2, { pool: two }), items.length),
    ], options)
    const [decIn, dec1, dec2] = await interleave([
      batchContender(() => decryptItems(stored, local), stored.length),
      batchContender(() => decryptItems(stored, config1, { pool: one }), stored.length),
      batchContender(() => decryptItems(stored, config2, { pool: two }), stored.length),
    ], options)
    return {
      batch: CORES_BATCH,
      encrypt: { inThread: encIn as Rate, pool1: enc1 as Rate, pool2: enc2 as Rate },
      decrypt: { inThread: decIn as Rate, pool1: dec1 as Rate, pool2: dec2 as Rate },
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.close()))
  }
}
