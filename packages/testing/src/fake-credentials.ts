import { FAKE_AWS_ENV } from '../lib/services.js'

/** Static fake credentials: the emulators accept anything, and nothing here may ever reach real AWS. */
export const FAKE_CREDENTIALS = Object.freeze({
  accessKeyId: FAKE_AWS_ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: FAKE_AWS_ENV.AWS_SECRET_ACCESS_KEY,
})

/** Region the test clients use unless told otherwise. */
export const DEFAULT_REGION = FAKE_AWS_ENV.AWS_REGION

/** Options of {@link createDynamoDBClient} and {@link createKMSClient}. */
export interface TestClientOptions {
  /** Region the client signs for; default {@link DEFAULT_REGION}. */
  region?: string
  /** Total attempts per request, first try included; default 3. */
  maxAttempts?: number
  /** Endpoint; default the service's endpoint of this run. */
  endpoint?: string
}

/** The configuration of a test client: this run's endpoint of the service, fake static credentials. */
export function testClientConfig(options: TestClientOptions, endpoint: () => string): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string }; maxAttempts: number } {
  return {
    endpoint: options.endpoint ?? endpoint(),
    region: options.region ?? DEFAULT_REGION,
    // A fresh object: the SDK records metadata on the credentials it is given, so a frozen one breaks it.
    credentials: { ...FAKE_CREDENTIALS },
    maxAttempts: options.maxAttempts ?? 3,
  }
}
