import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DirectKMSMaterialsProvider } from '../../src/direct-kms-materials-provider'

interface CapturedRequest {
  headers: Record<string, string>
  body: string
}

// Read independently of src/package-version.ts, so the test also proves the version that goes on the wire.
const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array) return new TextDecoder().decode(body)
  return ''
}

/** A real KMSClient whose HTTP layer is replaced by a recorder that answers GenerateDataKey. No network. */
function recordingClient(): { client: KMSClient; requests: CapturedRequest[] } {
  const requests: CapturedRequest[] = []
  const client = new KMSClient({
    region: 'us-west-2',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        requests.push({ headers: { ...request.headers }, body: bodyText(request.body) })
        const body = JSON.stringify({
          KeyId: 'arn:aws:kms:us-west-2:111122223333:key/k',
          Plaintext: Buffer.alloc(32, 7).toString('base64'),
          CiphertextBlob: Buffer.alloc(40, 9).toString('base64'),
          Keys: [],
        })
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: new TextEncoder().encode(body) } }
      },
    } as unknown as KMSClient['config']['requestHandler'],
  })
  return { client, requests }
}

describe('user agent', () => {
  it('appends ddb-encryption-js/<version> to each KMS request without changing the caller client', async () => {
    const { client, requests } = recordingClient()
    const provider = new DirectKMSMaterialsProvider({ keyId: 'alias/orders', kmsClient: client })
    await provider.getEncryptionMaterials({ tableName: 't', attributes: {}, materialDescription: {} })
    await client.send(new ListKeysCommand({}))
    expect(requests).toHaveLength(2)
    expect(requests[0]?.headers['user-agent']).toContain(`ddb-encryption-js/${version}`)
    expect(JSON.parse(requests[0]?.body ?? '{}')).toMatchObject({ KeyId: 'alias/orders', NumberOfBytes: 32 })
    // The caller's own later request carries no suffix: the middleware was on our command only.
    expect(requests[1]?.headers['user-agent']).not.toContain('ddb-encryption-js')
  })
})
