import { JavaReference, type BridgeProviderSpec, type JsonItem } from '@ddb-encryption/interop'
import type { BenchKeys } from './bench-keys'
import type { Contender, Sample } from './measure'
import type { PythonCase, PythonServerConfig } from './python-bench'

/**
 * Untimed warm-up of each Java case and operation, at least: the JIT compiles the hot paths (C2) only after some
 * thousands of calls, so a short warm-up would measure the interpreter.
 */
export const JAVA_MIN_WARMUP_MS = 4000

/** The Java provider of one case, with the same keys, KMS key and MetaStore table as ours and Python's. */
function providerSpec(caseName: PythonCase, config: PythonServerConfig): BridgeProviderSpec {
  const keys: BenchKeys = config.keys
  const wrappedAes: BridgeProviderSpec = { type: 'wrapped', wrappingKey: keys.wrappingAes, unwrappingKey: keys.wrappingAes, signingKey: keys.hmac }
  switch (caseName) {
    case 'static':
      return { type: 'static', encryptionKey: keys.staticAes, signingKey: keys.hmac }
    case 'wrapped-aes':
      return wrappedAes
    case 'wrapped-rsa':
      return { type: 'wrapped', wrappingKey: keys.rsaWrapPublic, unwrappingKey: keys.rsaWrapPrivate, signingKey: keys.rsaSignPrivate }
    case 'direct-kms':
      return { type: 'kms', keyId: config.kms.keyArn, endpoint: config.kms.endpoint, region: config.kms.region }
    case 'most-recent':
      return { type: 'most_recent', endpoint: config.metaStore.endpoint, tableName: config.metaStore.tableName, materialName: config.metaStore.materialName, ttlSeconds: 60, metaProvider: wrappedAes }
  }
}

/**
 * The Java reference (aws-dynamodb-encryption-java through `@ddb-encryption/interop`'s bridge) as a benchmark
 * contender: each case is configured once in the JVM (same item, keys, table, KMS key and MetaStore as ours, round
 * trip checked), then every warm-up or sample is one request that runs `DynamoDBEncryptor.encryptRecord` or
 * `decryptRecord` back to back on one JVM thread and answers with its rate, so {@link interleave} alternates Java's
 * samples with ours.
 */
export class JavaBenchServer {
  /** Version of the reference library and of the JVM. */
  readonly library: string
  readonly java: string
  readonly #reference: JavaReference
  readonly #config: PythonServerConfig
  readonly #benches = new Map<PythonCase, Promise<string>>()

  private constructor(reference: JavaReference, config: PythonServerConfig, version: { library: string; java: string }) {
    this.#reference = reference
    this.#config = config
    this.library = version.library
    this.java = version.java
  }

  /** Starts the JVM (building the bridge first if its sources changed). */
  static async start(config: PythonServerConfig): Promise<JavaBenchServer> {
    const reference = await JavaReference.start()
    const version = (await reference.request('version', {})) as { library: string; java: string }
    return new JavaBenchServer(reference, config, version)
  }

  #bench(caseName: PythonCase): Promise<string> {
    let bench = this.#benches.get(caseName)
    if (bench === undefined) {
      const config = this.#config
      bench = this.#reference.configure(providerSpec(caseName, config)).then((provider) =>
        this.#reference.benchPrepare(provider, config.item as JsonItem, {
          tableName: config.tableName,
          partitionKeyName: config.partitionKeyName,
          sortKeyName: config.sortKeyName,
        }, { default: 'ENCRYPT_AND_SIGN', overrides: { [config.partitionKeyName]: 'SIGN_ONLY', [config.sortKeyName]: 'SIGN_ONLY' } }))
      this.#benches.set(caseName, bench)
    }
    return bench
  }

  /** Runs `what` of `caseName` in the JVM for about `ms` milliseconds. */
  async run(caseName: PythonCase, what: 'encrypt' | 'decrypt', ms: number): Promise<Sample> {
    try {
      return await this.#reference.benchRun(await this.#bench(caseName), what, ms)
    } catch (error) {
      throw new Error(`Java reference, case ${caseName} ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
  }

  /** A {@link Contender} for one case and operation (warm-up at least {@link JAVA_MIN_WARMUP_MS}). */
  contender(caseName: PythonCase, what: 'encrypt' | 'decrypt'): Contender {
    return {
      warmup: async (ms) => {
        await this.run(caseName, what, Math.max(ms, JAVA_MIN_WARMUP_MS))
      },
      sample: (ms) => this.run(caseName, what, ms),
    }
  }

  close(): Promise<void> {
    return this.#reference.close()
  }
}
