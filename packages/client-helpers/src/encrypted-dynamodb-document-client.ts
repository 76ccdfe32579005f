import { DynamoDBDocumentClient, type TranslateConfig } from '@aws-sdk/lib-dynamodb'
import { InvalidArgumentError } from '@ddb-encryption/core'
import type { marshallOptions, unmarshallOptions } from '@aws-sdk/util-dynamodb'
import {
  EncryptedDynamoDBClient,
  type DynamoDBClientLike,
  type EncryptedClientMethods,
  type EncryptedSend,
} from './encrypted-dynamodb-client'
import type { DecryptFailureReport } from './item-decryption-error'
import type { EncryptedDynamoDBClientOptions } from './settings'

/** Options for {@link EncryptedDynamoDBDocumentClient.from}: the encryption options plus the document client's translation. */
export interface EncryptedDynamoDBDocumentClientOptions extends EncryptedDynamoDBClientOptions {
  /** How native values become attribute values (`removeUndefinedValues`, `convertClassInstanceToMap`, ...). Default: those of a `DynamoDBDocumentClient` passed in, else util-dynamodb's defaults. */
  readonly marshallOptions?: marshallOptions
  /** How attribute values become native values (`wrapNumbers`, ...). Default: as for `marshallOptions`. */
  readonly unmarshallOptions?: unmarshallOptions
}

/** The methods an encrypted document client adds to `DynamoDBDocumentClient`. */
export interface EncryptedDocumentClientMethods extends EncryptedClientMethods {
  /** The encrypted low-level client underneath (same options and stack), for low-level commands. */
  readonly encryptedClient: EncryptedSend & EncryptedClientMethods & DynamoDBClientLike
}

/** @deprecated `FailedItems` keys are low-level in both clients; use {@link DecryptFailureReport}. */
export type DocumentDecryptFailureReport = DecryptFailureReport

const BRAND = Symbol.for('ddb-encryption.encrypted-dynamodb-document-client')

/**
 * A drop-in `DynamoDBDocumentClient` (native JavaScript values) that encrypts, signs, verifies and decrypts items:
 * lib-dynamodb's own `DynamoDBDocumentClient` over an {@link EncryptedDynamoDBClient}, so lib-dynamodb marshals and
 * the encryption middleware sees low-level values. Same operations, refusals and options; lib-dynamodb's commands
 * and paginators, and low-level commands, all work.
 *
 * @example
 * const docClient = EncryptedDynamoDBDocumentClient.from(new DynamoDBClient({}), {
 *   materialsProvider,
 *   marshallOptions: { removeUndefinedValues: true },
 * })
 * await docClient.send(new PutCommand({ TableName: 'users', Item: { id: '1', ssn: '123-45-6789' } }))
 * const { Item } = await docClient.send(new GetCommand({ TableName: 'users', Key: { id: '1' } }))
 */
export class EncryptedDynamoDBDocumentClient {
  private constructor() {
    throw new InvalidArgumentError('Use EncryptedDynamoDBDocumentClient.from(client, options)')
  }

  /**
   * Wraps a `DynamoDBClient` (or a `DynamoDBDocumentClient`, whose translate options are then the defaults). Neither
   * is changed. `destroy()` releases only what the encrypted client holds.
   *
   * @throws {InvalidArgumentError} ERR_INVALID_ARGUMENT for an invalid option (naming it) or a client that is already
   * encrypted.
   */
  static from<C extends DynamoDBClientLike>(client: C, options: EncryptedDynamoDBDocumentClientOptions): EncryptedSend & EncryptedDocumentClientMethods & DynamoDBDocumentClient {
    const configured = (client?.config as { translateConfig?: TranslateConfig } | undefined)?.translateConfig
    // Copies: lib-dynamodb writes defaults into the option objects it is given.
    const translateConfig: TranslateConfig = {
      marshallOptions: { ...(options?.marshallOptions ?? configured?.marshallOptions ?? {}) },
      unmarshallOptions: { ...(options?.unmarshallOptions ?? configured?.unmarshallOptions ?? {}) },
    }
    const low = EncryptedDynamoDBClient.from(client, options)
    const doc = DynamoDBDocumentClient.from(low as never, translateConfig)
    const proto = Object.create(Object.getPrototypeOf(doc) as object) as object
    Object.defineProperty(proto, 'encryptedClient', { get: () => low, configurable: true })
    for (const name of ['tableInfo', 'refreshTableInfo'] as const) {
      Object.defineProperty(proto, name, { value: low[name], writable: true, configurable: true })
    }
    Object.defineProperty(proto, 'destroy', { value: () => low.destroy(), writable: true, configurable: true })
    Object.defineProperty(proto, BRAND, { value: true })
    Object.setPrototypeOf(doc, proto)
    return doc as unknown as EncryptedSend & EncryptedDocumentClientMethods & DynamoDBDocumentClient
  }

  /** True for any client built by {@link EncryptedDynamoDBDocumentClient.from}. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }
}
