import * as errors from '../errors'

/**
 * The messages between an {@link EncryptorPool} and its worker threads. Items travel encoded in one transferred
 * `ArrayBuffer` per chunk (item-transport.ts); errors as their class name, code and message (a thrown object does
 * not survive the trip with its class).
 * @internal
 */
export type PoolOperation = 'encrypt' | 'decrypt'

/** @internal */
export interface WorkerData {
  /** `file:` URL of the module that exports `createCryptoConfig`. */
  readonly configModule: string
  readonly configData: unknown
}

/** A chunk of items for a worker: `count` items encoded in the first `length` bytes of `buffer` (transferred). @internal */
export interface TaskMessage {
  readonly id: number
  readonly operation: PoolOperation
  readonly configName: string
  readonly count: number
  readonly buffer: ArrayBuffer
  readonly length: number
}

/** @internal */
export interface SentError {
  readonly name: string
  readonly code: string | undefined
  readonly message: string
  readonly causeMessage: string | undefined
}

/** @internal */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'start-failed'; readonly error: SentError }
  /** Every item of the task, encoded in order in the first `length` bytes of `buffer` (transferred). */
  | { readonly type: 'done'; readonly id: number; readonly buffer: ArrayBuffer; readonly length: number }
  /** The item at `index` of the task failed; the items before it are dropped. */
  | { readonly type: 'failed'; readonly id: number; readonly index: number; readonly error: SentError }

/** An error as it can cross a thread boundary. @internal */
export function sendableError(error: unknown): SentError {
  const e = error instanceof Error ? error : new Error(String(error))
  const cause = (e as { cause?: unknown }).cause
  return {
    name: e.name,
    code: errors.DynamoDBEncryptionError.isInstance(e) ? e.code : undefined,
    message: e.message,
    causeMessage: cause instanceof Error ? cause.message : undefined,
  }
}

type ErrorClass = new (message: string, options?: ErrorOptions) => errors.DynamoDBEncryptionError

/** Our error classes by name, to rebuild a worker's error with its class (and so its `code`). */
const ERROR_CLASSES: ReadonlyMap<string, ErrorClass> = new Map(
  Object.entries(errors).flatMap(([name, value]): [string, ErrorClass][] =>
    typeof value === 'function' && (value === errors.DynamoDBEncryptionError || value.prototype instanceof errors.DynamoDBEncryptionError)
      ? [[name, value as ErrorClass]]
      : []),
)

/**
 * The error a worker sent, rebuilt in this thread: our own classes keep their class and code; anything else
 * (a provider's own error) becomes an `Error` with the same name and message. The original `cause` is summarized as
 * an `Error` carrying its message.
 * @internal
 */
export function receivedError(sent: SentError): Error {
  const options = sent.causeMessage === undefined ? undefined : { cause: new Error(sent.causeMessage) }
  const Class = sent.code === undefined ? undefined : ERROR_CLASSES.get(sent.name)
  if (Class !== undefined) return new Class(sent.message, options)
  const error = new Error(sent.message, options)
  error.name = sent.name
  return error
}
