import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'

/** Path of the test configuration module. */
export const STATIC_CONFIG_MODULE = require.resolve('./static-config.js')

const { keysFile } = require('./static-config.js') as { keysFile: (tableName: string) => string }

/** Writes fresh random keys for `tableName`, read by the configuration module in every thread and process. */
export function publishTestKeys(tableName: string): void {
  fs.writeFileSync(keysFile(tableName), JSON.stringify({ wrapping: randomBytes(32).toString('hex'), signing: randomBytes(32).toString('hex') }), { mode: 0o600 })
}

/** Removes the keys file of `tableName`. */
export function removeTestKeys(tableName: string): void {
  fs.rmSync(keysFile(tableName), { force: true })
}
