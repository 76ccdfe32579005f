import { KMSClient } from '@aws-sdk/client-kms'

import { kmsEndpoint } from './environment'
import { FAKE_CREDENTIALS, DEFAULT_REGION } from './fake-credentials'

/** Options of {@link createKMSClient}. */
export interface CreateKMSClientOptions {
  /** Region the client signs for; default `us-west-2`. moto keeps separate keys per region. */
  region?: string
  /** Total attempts per request, first try included; default 3. */
  maxAttempts?: number
  /** Endpoint; default {@link kmsEndpoint}(). */
  endpoint?: string
}

/**
 * A real SDK v3 KMS client pointed at this run's moto server, with fake static credentials.
 * @example
 * const kms = createKMSClient()
 * const { keyId } = await createKmsKey(kms)
 */
export function createKMSClient(options: CreateKMSClientOptions = {}): KMSClient {
  return new KMSClient({
    endpoint: options.endpoint ?? kmsEndpoint(),
    region: options.region ?? DEFAULT_REGION,
    // A fresh object: the SDK records metadata on the credentials it is given, so a frozen one breaks it.
    credentials: { ...FAKE_CREDENTIALS },
    maxAttempts: options.maxAttempts ?? 3,
  })
}
