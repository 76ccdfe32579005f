import { isDeepStrictEqual } from 'node:util'
import { decryptItem, encryptItem, type CryptoConfig, type CryptographicMaterialsProvider, type Item } from '@ddb-encryption/core'
import { BENCH_ACTIONS, PARTITION_KEY, SORT_KEY } from './bench-item'
import { asyncContender, interleave, type Contender, type MeasureOptions, type Rate } from './measure'

/** Counts calls to a service (e.g. a counted KMS or DynamoDB client). */
export interface CallProbe {
  readonly count: () => number
  readonly reset: () => void
}

/** Service calls seen during one phase, and the items processed in it (warm-up included). */
export interface PhaseCalls {
  readonly calls: number
  readonly items: number
}

/** Encrypt and decrypt rates of one provider; with a probe, the service calls of each phase. */
export interface ItemCaseResult {
  readonly encrypt: Rate
  readonly decrypt: Rate
  /** Calls during the first encrypt and decrypt (round-trip check): cache fills, version creation. */
  readonly setupCalls?: PhaseCalls
  readonly encryptCalls?: PhaseCalls
  readonly decryptCalls?: PhaseCalls
}

/** The encryptor configuration used by every item case. */
export function benchConfig(provider: CryptographicMaterialsProvider, tableName: string): CryptoConfig {
  return {
    materialsProvider: provider,
    encryptionContext: { tableName, partitionKeyName: PARTITION_KEY, sortKeyName: SORT_KEY },
    attributeActions: BENCH_ACTIONS,
  }
}

/** Other contenders measured interleaved with ours (the crypto floor, the Python reference), per operation. */
export interface ItemCasePeers {
  readonly encrypt: readonly Contender[]
  readonly decrypt: readonly Contender[]
}

/**
 * Measures `encryptItem` of `item` and `decryptItem` of one encrypted copy, each call awaited before the next (one
 * item at a time, one thread), interleaved sample by sample with `peers`. Checks the round trip first so a broken
 * setup fails instead of timing errors. With a `probe`, counts the service calls of each phase (peers must not use
 * the probed client).
 */
export async function measureItemCase(
  provider: CryptographicMaterialsProvider,
  tableName: string,
  item: Item,
  options: MeasureOptions,
  probe?: CallProbe,
  peers: ItemCasePeers = { encrypt: [], decrypt: [] },
): Promise<ItemCaseResult & { readonly peers: { readonly encrypt: readonly Rate[]; readonly decrypt: readonly Rate[] } }> {
  const config = benchConfig(provider, tableName)
  probe?.reset()
  const encrypted = await encryptItem(item, config)
  const decrypted = await decryptItem(encrypted, config)
  if (!isDeepStrictEqual(normalize(decrypted), normalize(item))) {
    throw new Error('The decrypted benchmark item differs from the original')
  }
  const setupCalls = probe && { calls: probe.count(), items: 1 }
  let encryptItems = 0
  probe?.reset()
  const [encrypt, ...encryptPeers] = await interleave([
    asyncContender(() => {
      encryptItems += 1
      return encryptItem(item, config)
    }),
    ...peers.encrypt,
  ], options)
  const encryptCalls = probe && { calls: probe.count(), items: encryptItems }
  let decryptItems = 0
  probe?.reset()
  const [decrypt, ...decryptPeers] = await interleave([
    asyncContender(() => {
      decryptItems += 1
      return decryptItem(encrypted, config)
    }),
    ...peers.decrypt,
  ], options)
  const decryptCalls = probe && { calls: probe.count(), items: decryptItems }
  return {
    encrypt: encrypt as Rate,
    decrypt: decrypt as Rate,
    ...(setupCalls && { setupCalls }),
    ...(encryptCalls && { encryptCalls }),
    ...(decryptCalls && { decryptCalls }),
    peers: { encrypt: encryptPeers, decrypt: decryptPeers },
  }
}

/** Binary values as plain arrays, so a Buffer and a Uint8Array with the same bytes compare equal. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value)
  if (Array.isArray(value)) return value.map(normalize)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]))
  }
  return value
}
