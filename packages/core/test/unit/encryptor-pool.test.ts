/**
 * EncryptorPool: worker threads run the compiled package (dist/, built by `pnpm build`, which `pnpm test` runs
 * first), so this test loads the pool from dist. Each thread builds its config from test/support/pool-config.js.
 */
import { existsSync } from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { decryptItem, deserializeMaterialDescription, ReservedAttribute, type Item } from '../../src/index'
import { rejection } from '../support/helpers'

const DIST = path.join(__dirname, '..', '..', 'dist', 'index.js')
if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run pnpm build (worker threads run the compiled package)`)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dist = require(DIST) as typeof import('../../src/index')

const CONFIG_MODULE = path.join(__dirname, '..', 'support', 'pool-config.js')
const configData = { aes: randomBytes(16).toString('base64'), hmac: randomBytes(32).toString('base64') }

function items(count: number): Item[] {
  return Array.from({ length: count }, (_, i) => ({ pk: { S: `item#${i}` }, blob: { B: randomBytes(i + 1) }, n: { N: String(i) } }))
}

describe('EncryptorPool (worker threads)', () => {
  let pool: import('../../src/index').EncryptorPool

  beforeAll(async () => {
    pool = await dist.EncryptorPool.start({ configModule: CONFIG_MODULE, configData, threads: 2, chunkSize: 1 })
  })
  afterAll(async () => {
    await pool?.close()
  })

  it('spreads a batch over every thread and returns items that decrypt here, in order', async () => {
    expect(pool.threads).toBe(2)
    const config = await pool.config('threads')
    const plain = items(10)
    const stored = await dist.encryptItems(plain, config, { pool })
    const threads = new Set(stored.map((item) => deserializeMaterialDescription((item[ReservedAttribute.MaterialDescription] as { B: Uint8Array }).B)['thread']))
    expect(threads.size).toBe(2)
    expect(threads.has('0')).toBe(false) // not the main thread
    for (let i = 0; i < plain.length; i++) expect(await decryptItem(stored[i] as Item, config)).toEqual(plain[i])
    expect(await dist.decryptItems(stored, config, { pool })).toEqual(plain)
  })

  it('rejects with the lowest-index failure, with its class and code rebuilt from the worker', async () => {
    const config = await pool.config()
    const stored = await dist.encryptItems(items(8), config, { pool })
    const bad = [...stored]
    bad[6] = { ...(bad[6] as Item), n: { N: '999' } }
    bad[3] = { ...(bad[3] as Item), n: { N: '999' } }
    const error = await rejection(dist.decryptItems(bad, config, { pool }))
    expect(error).toBeInstanceOf(dist.SignatureVerificationError)
    expect(error.code).toBe('ERR_SIGNATURE_VERIFICATION_FAILED')
    // The pool still works after a failed batch.
    expect(await dist.decryptItems(stored.slice(0, 2), config, { pool })).toHaveLength(2)
  })

  it('refuses a config that it did not build', async () => {
    const own = await pool.config()
    const copy = { ...own }
    expect(await rejection(dist.encryptItems(items(1), copy, { pool }))).toBeInstanceOf(dist.InvalidArgumentError)
  })

  it('refuses a module without createCryptoConfig, a relative path and bad sizes when starting', async () => {
    const noFactory = path.join(__dirname, '..', 'support', 'pool-config-without-factory.js')
    for (const options of [
      { configModule: noFactory },
      { configModule: 'relative/config.js' },
      { configModule: CONFIG_MODULE, threads: 0 },
      { configModule: CONFIG_MODULE, chunkSize: 1.5 },
    ]) {
      expect(await rejection(dist.EncryptorPool.start(options))).toBeInstanceOf(dist.InvalidArgumentError)
    }
  })

  it('rejects batches after close', async () => {
    const other = await dist.EncryptorPool.start({ configModule: CONFIG_MODULE, configData, threads: 1 })
    const config = await other.config()
    expect(await dist.encryptItems(items(3), config, { pool: other })).toHaveLength(3)
    await other.close()
    expect(await rejection(dist.encryptItems(items(1), config, { pool: other }))).toBeInstanceOf(dist.InvalidArgumentError)
  })
})
