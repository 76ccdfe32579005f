import { KMSClient } from '@aws-sdk/client-kms'

import { kmsEndpoint } from './environment'
import { testClientConfig, type TestClientOptions } from './fake-credentials'

/**
 * A real SDK v3 KMS client pointed at this run's moto server, with fake static credentials. moto keeps separate
 * keys per region.
 * @example
 * const kms = createKMSClient()
 * const { keyId } = await createKmsKey(kms)
 */
export function createKMSClient(options: TestClientOptions = {}): KMSClient {
  return new KMSClient(testClientConfig(options, kmsEndpoint))
}
