import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { FAKE_CREDENTIALS } from './fake-credentials'

/** One HTTP request a {@link recordingDynamoDBClient} received. */
export interface RecordedRequest {
  /** The DynamoDB operation, e.g. `PutItem`. */
  readonly target: string
  readonly headers: Readonly<Record<string, string>>
  /** The JSON request body, parsed. */
  readonly body: Record<string, unknown>
}

/**
 * A real `DynamoDBClient` (full SDK middleware stack) whose HTTP layer records each request and answers with the
 * JSON body `respond` returns for it (`{}` by default). No network: for unit tests of what goes on the wire.
 */
export function recordingDynamoDBClient(
  respond: (request: RecordedRequest) => unknown = () => ({}),
): { client: DynamoDBClient; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = []
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { ...FAKE_CREDENTIALS },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const text = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : '{}'
        const recorded: RecordedRequest = {
          target: (request.headers['x-amz-target'] ?? '').split('.').pop() ?? '',
          headers: { ...request.headers },
          body: JSON.parse(text || '{}') as Record<string, unknown>,
        }
        requests.push(recorded)
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: new TextEncoder().encode(JSON.stringify(respond(recorded) ?? {})),
          },
        }
      },
    } as unknown as DynamoDBClient['config']['requestHandler'],
  })
  return { client, requests }
}

/** Both user-agent headers of a recorded request, joined (the SDK puts product entries in at least one). */
export function userAgentOf(request: RecordedRequest | undefined): string {
  return `${request?.headers['user-agent'] ?? ''} ${request?.headers['x-amz-user-agent'] ?? ''}`
}
