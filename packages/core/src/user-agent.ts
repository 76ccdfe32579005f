/** User-agent product name our packages append to the AWS requests they send. */
export const USER_AGENT_NAME = 'ddb-encryption-js'

type Handler = (args: unknown) => Promise<unknown>

interface CommandWithMiddleware {
  middlewareStack?: {
    add(
      middleware: (next: Handler, context: { userAgent?: unknown }) => Handler,
      options: { step: 'initialize'; name: string; override: boolean },
    ): void
  }
}

/**
 * Appends `ddb-encryption-js/<version>` to the user agent of an AWS SDK v3 command that the calling package built
 * itself, and returns the command. The middleware goes on the command, not the client, so the caller's client is
 * never changed. Typed structurally: core does not depend on any SDK client.
 *
 * @example
 * await kms.send(withUserAgent(new DecryptCommand(input), PACKAGE_VERSION))
 */
export function withUserAgent<C>(command: C, version: string): C {
  ;(command as unknown as CommandWithMiddleware).middlewareStack?.add(
    (next, context) => (args) => {
      const current = Array.isArray(context.userAgent) ? (context.userAgent as unknown[]) : []
      context.userAgent = [...current, [USER_AGENT_NAME, version]]
      return next(args)
    },
    { step: 'initialize', name: 'ddbEncryptionUserAgent', override: true },
  )
  return command
}
