/**
 * This package's version (sent in the user agent), read from its own package.json, which sits next to both `src/`
 * and `dist/`: a release bump can never leave it stale.
 * @internal
 */
export const PACKAGE_VERSION: string = (require('../package.json') as { version: string }).version
