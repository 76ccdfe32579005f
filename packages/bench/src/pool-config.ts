/**
 * Config module of the bench's EncryptorPool runs: every worker thread builds the static and wrapped AES configs
 * from the run's keys (passed as `data`, plain JSON), as an application's config module would from its settings.
 */
import type { CryptoConfig } from '@ddb-encryption/core'
import type { BenchKeys } from './bench-keys'
import { staticProvider, wrappedAesProvider } from './bench-providers'
import { benchConfig } from './item-case'

export const BENCH_POOL_TABLE = 'bench-items'

export function createCryptoConfig(name: string, data: unknown): CryptoConfig {
  const keys = data as BenchKeys
  if (name === 'static') return benchConfig(staticProvider(keys), BENCH_POOL_TABLE)
  if (name === 'wrapped-aes') return benchConfig(wrappedAesProvider(keys), BENCH_POOL_TABLE)
  throw new Error(`bench pool config: unknown config ${name}`)
}
