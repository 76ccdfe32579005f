import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms'
import { randomBytes } from 'node:crypto'
import type { KMSClientLike } from '../../src/direct-kms-materials-provider'

/** A command as the provider sends it: the SDK command object; tests read its `input`. */
export type SentCommand = GenerateDataKeyCommand | DecryptCommand

/** An error shaped like an SDK service exception. */
export function sdkError(name: string): Error & { $metadata: { httpStatusCode: number } } {
  const error = new Error(`${name} from fake`) as Error & { $metadata: { httpStatusCode: number }; $fault: string }
  error.name = name
  error.$metadata = { httpStatusCode: 400 }
  error.$fault = 'client'
  return error
}

/**
 * Hand-written KMS fake: records every command, answers with `respond`. `asClient()` gives the structural client
 * type the provider accepts.
 */
export class FakeKms {
  readonly sent: SentCommand[] = []
  constructor(private readonly respond: (command: SentCommand) => unknown) {}
  asClient(): KMSClientLike {
    return { send: (async (command: SentCommand) => {
      this.sent.push(command)
      return this.respond(command)
    }) as unknown as KMSClientLike['send'] }
  }
}

/**
 * A fake KMS that behaves like the real one for this provider: GenerateDataKey returns random bytes and a random
 * blob; Decrypt returns them only for the same blob and an identical encryption context (else
 * InvalidCiphertextException, as KMS does).
 */
export function emulatedKms(keyArn: string): FakeKms {
  const store = new Map<string, { plaintext: Uint8Array; context: string }>()
  const canonical = (context: Record<string, string> | undefined): string =>
    JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return new FakeKms((command) => {
    if (command instanceof GenerateDataKeyCommand) {
      const plaintext = new Uint8Array(randomBytes(command.input.NumberOfBytes ?? 0))
      const blob = new Uint8Array(randomBytes(167))
      store.set(Buffer.from(blob).toString('hex'), { plaintext: plaintext.slice(), context: canonical(command.input.EncryptionContext) })
      return { Plaintext: plaintext, CiphertextBlob: blob, KeyId: keyArn }
    }
    const entry = store.get(Buffer.from(command.input.CiphertextBlob ?? new Uint8Array()).toString('hex'))
    if (entry === undefined || entry.context !== canonical(command.input.EncryptionContext)) {
      throw sdkError('InvalidCiphertextException')
    }
    return { Plaintext: entry.plaintext.slice(), KeyId: keyArn }
  })
}
