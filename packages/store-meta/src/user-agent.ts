/**
 * Version of this package, sent to DynamoDB in the user agent as `ddb-encryption-js/<version>`.
 * A unit test pins it to package.json so a release cannot forget it.
 * @internal
 */
export const PACKAGE_VERSION = '0.1.0'

/** User-agent product name appended to every DynamoDB request this package sends. @internal */
export const USER_AGENT_NAME = 'ddb-encryption-js'

type Handler = (args: unknown) => Promise<unknown>

interface SdkCommand {
  middlewareStack?: {
    add(
      middleware: (next: Handler, context: { userAgent?: unknown }) => Handler,
      options: { step: 'initialize'; name: string; override: boolean },
    ): void
  }
}

/**
 * Appends `ddb-encryption-js/<version>` to the user agent of `command`, a command this package built itself. The
 * middleware goes on the command, not the client, so the caller's client is never changed. Returns `command`.
 *
 * @internal
 */
export function withUserAgent<C>(command: C): C {
  ;(command as unknown as SdkCommand).middlewareStack?.add(
    (next, context) => (args) => {
      const current = Array.isArray(context.userAgent) ? (context.userAgent as unknown[]) : []
      context.userAgent = [...current, [USER_AGENT_NAME, PACKAGE_VERSION]]
      return next(args)
    },
    { step: 'initialize', name: 'ddbEncryptionUserAgent', override: true },
  )
  return command
}
