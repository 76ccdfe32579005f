/**
 * The encrypted clients' work as SDK v3 middleware (FORMAT.md 8). Installed on a copy of the caller's client stack,
 * it runs for every way of sending through that stack: `send` in all its forms, paginators, lib-dynamodb's
 * `DynamoDBDocumentClient.from` / `DynamoDBDocument.from`, command-level middleware and abort signals.
 *
 * Where it sits, and why:
 * - `ddbEncryptionRequest` runs in the serialize step right after lib-dynamodb's `DocumentMarshall` (so it sees
 *   low-level AttributeValue input for document commands too) and before the serializer. It applies the policy,
 *   encrypts, and sends (retrying unprocessed batch items). It is outside the SDK's retry loop, so items are
 *   encrypted once per call.
 * - `ddbEncryptionResponse` runs in the deserialize step right after lib-dynamodb's `DocumentUnmarshall` and before
 *   the deserializer, so it sees DynamoDB's low-level output before lib-dynamodb converts it. Its errors (a KMS
 *   throttle while decrypting, an integrity failure) are carried past the SDK's retry middleware, which must not
 *   retry DynamoDB for them or change them, and rethrown unchanged by `ddbEncryptionRequest`.
 * - `ddbEncryptionGuard` runs in the build step, after serialization: it refuses any request that was not prepared
 *   by `ddbEncryptionRequest` or whose written items are not the encrypted ones (a middleware that replaced or
 *   rewrote the input after encryption), before anything is sent.
 * Placeholders named `DocumentMarshall` / `DocumentUnmarshall` anchor the two positions when the command is not a
 * lib-dynamodb one; lib-dynamodb's own middleware overrides them by name.
 */
import { ReservedAttribute, UnsupportedOperationError, withUserAgent, hasOwn } from '@ddb-encryption/core'
import { OPERATIONS } from './operations'
import type { AnyOperation, Exchange, OperationEnv } from './operations/operation'
import { PACKAGE_VERSION } from './package-version'
import { checkUnknownCommand } from './policy'

/** Names of our middleware on the stack. */
export const MiddlewareName = {
  Request: 'ddbEncryptionRequest',
  Response: 'ddbEncryptionResponse',
  Guard: 'ddbEncryptionGuard',
} as const

type Input = object
type Output = object
interface HandlerArgs { readonly input: Input; readonly [member: string]: unknown }
interface HandlerResult { readonly output: Output; readonly response: unknown }
type Handler = (args: HandlerArgs) => Promise<HandlerResult>
interface Context { readonly commandName?: string }
type Middleware = (next: Handler, context: Context) => Handler

/** The parts of an SDK v3 middleware stack we use (typed structurally: no dependency on @smithy/types). */
export interface MiddlewareStackLike {
  add(middleware: Middleware, options: { name: string; step: 'build'; priority: 'low' }): void
  addRelativeTo(middleware: Middleware, options: { name: string; relation: 'before' | 'after'; toMiddleware: string; override?: boolean }): void
}

interface Prepared {
  readonly operation: AnyOperation | undefined
  readonly exchange: Exchange<Input, Output>
}

/** An error from processing a response, carried past the SDK's retry middleware (which must not see the original). */
class CarriedError extends Error {
  readonly carried: unknown
  constructor(carried: unknown) {
    super('ddb-encryption: error while processing a DynamoDB response')
    this.name = 'DdbEncryptionCarriedError'
    this.carried = carried
  }
}

function uncarry(error: unknown): unknown {
  return error instanceof CarriedError ? error.carried : error
}

function operationOf(context: Context): string | undefined {
  const name = context.commandName
  return typeof name === 'string' && name.endsWith('Command') ? name.slice(0, -'Command'.length) : undefined
}

function passThrough(input: Input): Exchange<Input, Output> {
  return { input: { ...input }, output: (output) => Promise.resolve(output) }
}

function refusedComposition(reason: string): UnsupportedOperationError {
  return new UnsupportedOperationError(
    `The encrypted client refused to send this request: ${reason}. Nothing was sent. Add middleware that changes the ` +
    'input in the initialize step (before encryption), not after it',
  )
}

/**
 * The plugin that installs the encryption middleware on a client's stack.
 */
export function encryptionPlugin(env: OperationEnv): { applyToStack(stack: MiddlewareStackLike): void } {
  const encrypting = async (tableName: string | undefined): Promise<boolean> =>
    tableName !== undefined && (await env.tables.resolve(tableName)).encrypting
  // Keyed by the input object we send: unique per send, shared by the three middleware of that send.
  const prepared = new WeakMap<object, Prepared>()

  const request: Middleware = (next, context) => async (args) => {
      const name = operationOf(context)
      const operation = name !== undefined ? OPERATIONS.get(name) : undefined
      let exchange: Exchange<Input, Output>
      if (operation === undefined) {
        checkUnknownCommand(name, args.input, env.settings.encrypting)
        exchange = passThrough(args.input)
      } else {
        exchange = await operation.prepare(args.input, env)
      }
      let last: HandlerResult | undefined
      const sendOnce = async (input: Input): Promise<Output> => {
        const sent = Object.freeze({ ...input })
        prepared.set(sent, { operation, exchange })
        last = await next({ ...args, input: sent })
        return last.output
      }
      try {
        if (exchange.send !== undefined) await exchange.send(sendOnce)
        else await sendOnce(exchange.input)
      } catch (error) {
        throw uncarry(error)
      }
      return last as HandlerResult
    }

  const response: Middleware = (next) => async (args) => {
      const state = prepared.get(args.input)
      if (state === undefined) throw new CarriedError(refusedComposition('the request was not prepared by the encryption middleware'))
      let result
      try {
        result = await next(args)
      } catch (error) {
        if (state.exchange.error !== undefined) await state.exchange.error(error).catch(() => undefined)
        throw error
      }
      try {
        const output = await state.exchange.output(result.output)
        // Postcondition: no item the caller sees is still encrypted.
        if (state.operation !== undefined) {
          for (const { tableName, item } of state.operation.returnedItems(output, args.input)) {
            if (item !== null && typeof item === 'object' && hasOwn(item, ReservedAttribute.Signature) && await encrypting(tableName)) {
              throw refusedComposition('a returned item was not decrypted')
            }
          }
        }
        return { ...result, output }
      } catch (error) {
        throw new CarriedError(error)
      }
    }

  const guard: Middleware = (next) => async (args) => {
      const state = prepared.get(args.input)
      if (state === undefined) {
        throw refusedComposition('its input was replaced after the encryption middleware ran (or the middleware did not run)')
      }
      if (state.operation !== undefined) {
        for (const { tableName, item } of state.operation.writtenItems(args.input)) {
          const encrypted = item !== null && typeof item === 'object' && Object.isFrozen(item) && hasOwn(item, ReservedAttribute.Signature)
          if (!encrypted && await encrypting(tableName)) {
            throw refusedComposition(`an item for table "${tableName}" was changed after it was encrypted`)
          }
        }
      }
      return next(args)
    }

  return {
    applyToStack(stack: MiddlewareStackLike) {
      const anchor: Middleware = (next) => next
      stack.addRelativeTo(anchor, { name: 'DocumentMarshall', relation: 'before', toMiddleware: 'serializerMiddleware', override: true })
      stack.addRelativeTo(anchor, { name: 'DocumentUnmarshall', relation: 'before', toMiddleware: 'deserializerMiddleware', override: true })
      stack.addRelativeTo(request, { name: MiddlewareName.Request, relation: 'after', toMiddleware: 'DocumentMarshall' })
      stack.addRelativeTo(response, { name: MiddlewareName.Response, relation: 'after', toMiddleware: 'DocumentUnmarshall' })
      stack.add(guard, { name: MiddlewareName.Guard, step: 'build', priority: 'low' })
      withUserAgent({ middlewareStack: stack }, PACKAGE_VERSION)
    },
  }
}
