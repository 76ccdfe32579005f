// Types for services.js (plain CommonJS so the root jest globalSetup loads it without a build).

/** Environment variable names shared with the test workers. */
export declare const ENV: Readonly<{
  dynamoDbEndpoint: 'DDB_ENCRYPTION_DYNAMODB_ENDPOINT'
  kmsEndpoint: 'DDB_ENCRYPTION_KMS_ENDPOINT'
  python: 'DDB_ENCRYPTION_PYTHON'
}>

/** Fake credentials and region exported to the workers. */
export declare const FAKE_AWS_ENV: Readonly<{
  AWS_ACCESS_KEY_ID: 'fake'
  AWS_SECRET_ACCESS_KEY: 'fake'
  AWS_REGION: 'us-west-2'
  AWS_DEFAULT_REGION: 'us-west-2'
}>

/** Raised when a service cannot start; the message includes the last lines of its output. */
export declare class ServiceStartError extends Error {}

export interface RunningService {
  readonly name: string
  readonly endpoint: string
  readonly pid: number
  readonly logFile: string
  readonly startupMs: number
  stop(): Promise<void>
}

export interface ServiceStartOptions {
  timeoutMs?: number
}

export interface StartedServices {
  readonly dynamoDbEndpoint: string
  readonly kmsEndpoint: string
  readonly python: string
  readonly env: Readonly<Record<string, string>>
  readonly services: readonly RunningService[]
  stop(): Promise<void>
}

export declare function findDynamoDbLocal(): { jar: string; nativeLibDir: string; dir: string }
export declare function findJava(): string
export declare function freePort(host?: string): Promise<number>
export declare function startDynamoDbLocal(options?: ServiceStartOptions): Promise<RunningService & { readonly jarDir: string }>
export declare function startMotoServer(options?: ServiceStartOptions & { venvDir?: string }): Promise<RunningService>
export declare function startServices(
  options?: ServiceStartOptions & { exportEnv?: boolean; log?: (message: string) => void },
): Promise<StartedServices>
