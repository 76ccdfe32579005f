import { javaBridgeJar } from '@ddb-encryption/testing'

import type { JsonItem } from './dynamodb-json'
import { JsonLinesProcess } from './json-lines-process'
import { ReferenceBridge, type BridgeActions, type BridgeItemContext } from './reference-bridge'

/** Options of {@link JavaReference.start}. */
export interface JavaReferenceOptions {
  /** Milliseconds a single request may take before it fails; default 120 000. */
  readonly requestTimeoutMs?: number
  /** Milliseconds to wait for the bridge to answer its first request (JVM start); default 60 000. */
  readonly startTimeoutMs?: number
}

/** One benchmark sample taken in the JVM. */
export interface JavaBenchSample {
  readonly wallPerSecond: number
  /** Operations per CPU second of the whole JVM (JIT and GC threads included). */
  readonly cpuPerSecond: number
  readonly operations: number
}

/**
 * A long-lived JVM running the bridge of `packages/interop/java` (built by `packages/testing/scripts/ensure-java.js`,
 * which this calls first), driving the Java reference `aws-dynamodb-encryption-java` 2.0.3 with the SDK for Java v1
 * over the same JSON lines and requests as the Python helper ({@link ReferenceBridge}), plus benchmark requests.
 * Java signs with `DynamoDBEncryptor`; there is no `resign` (a Java verification is a byte comparison already).
 */
export class JavaReference extends ReferenceBridge {
  /**
   * Builds the bridge if its sources changed, starts it and checks that it runs aws-dynamodb-encryption-java 2.0.3.
   * @throws Error when Java or Maven is missing, the build fails, or the library has another version.
   */
  static async start(options: JavaReferenceOptions = {}): Promise<JavaReference> {
    const { jar, java } = javaBridgeJar()
    const reference = new JavaReference(new JsonLinesProcess({
      name: 'Java bridge',
      command: java,
      args: ['-jar', jar],
      requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
    }))
    const version = (await reference.request('version', {}, options.startTimeoutMs ?? 60_000)) as { library: string }
    if (version.library !== '2.0.3') {
      await reference.close()
      throw new Error(`The Java bridge runs aws-dynamodb-encryption-java ${version.library}, expected 2.0.3; run node packages/testing/scripts/ensure-java.js`)
    }
    return reference
  }

  /** Prepares a benchmark of one provider on one item (checks one round trip); resolves with its id. */
  async benchPrepare(provider: string, item: JsonItem, context: BridgeItemContext, actions: BridgeActions): Promise<string> {
    return ((await this.request('bench_prepare', { provider, item, actions, ...context })) as { bench: string }).bench
  }

  /** Runs `what` back to back in the JVM for about `ms` milliseconds. */
  async benchRun(bench: string, what: 'encrypt' | 'decrypt', ms: number): Promise<JavaBenchSample> {
    return (await this.request('bench_run', { bench, what, seconds: ms / 1000 })) as JavaBenchSample
  }
}
