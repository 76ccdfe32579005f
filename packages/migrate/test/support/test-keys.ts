import { randomBytes } from 'node:crypto'

/** Fresh random test keys, published in the environment for the configuration module (and its worker threads). */
export function publishTestKeys(): void {
  process.env.MIGRATE_TEST_WRAPPING_KEY = randomBytes(32).toString('hex')
  process.env.MIGRATE_TEST_SIGNING_KEY = randomBytes(32).toString('hex')
}

/** Path of the test configuration module. */
export const STATIC_CONFIG_MODULE = require.resolve('./static-config.js')
