import { ensureJava } from '../scripts/ensure-java.js'

/** The Java bridge jar of `packages/interop/java` and the `java` command to run it. */
export interface JavaBridgeJar {
  readonly jar: string
  readonly java: string
}

/**
 * The built Java bridge (aws-dynamodb-encryption-java 2.0.3 behind JSON lines): builds it with Maven first when its
 * sources changed since the last build (cheap hash check otherwise).
 * @throws Error when Java or Maven is missing or the build fails (the message says what to install).
 */
export function javaBridgeJar(): JavaBridgeJar {
  const { jar, java } = ensureJava({ quiet: true })
  return { jar, java }
}
