/**
 * Version of this package, sent to AWS KMS in the user agent as `ddb-encryption-js/<version>`.
 * A unit test pins it to package.json so a release cannot forget it.
 * @internal
 */
export const PACKAGE_VERSION = '0.1.0'

/** User-agent product name appended to every KMS request this package sends. @internal */
export const USER_AGENT_NAME = 'ddb-encryption-js'
