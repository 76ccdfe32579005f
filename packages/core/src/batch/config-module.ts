import { fileURLToPath } from 'node:url'
import type { CryptoConfig } from '../encryptor/crypto-config'
import { InvalidArgumentError } from '../errors'

/**
 * What an {@link EncryptorPool}'s config module exports as `createCryptoConfig`: builds the named config from
 * `data` (the pool's `configData`, structured-cloned). Called once per name in every worker thread and once in the
 * thread that owns the pool, so each thread has its own providers, keys and clients.
 */
export type CryptoConfigFactory = (name: string, data: unknown) => CryptoConfig | Promise<CryptoConfig>

/**
 * Loads the config module (`moduleUrl` is a `file:` URL) and returns its `createCryptoConfig`. CommonJS modules are
 * required (so module hooks such as a test runner's apply), ESM modules imported.
 * @internal
 */
export async function loadConfigFactory(moduleUrl: string): Promise<CryptoConfigFactory> {
  let loaded: { createCryptoConfig?: unknown; default?: { createCryptoConfig?: unknown } }
  try {
    loaded = require(fileURLToPath(moduleUrl)) as typeof loaded
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_REQUIRE_ESM') throw error
    loaded = (await import(moduleUrl)) as typeof loaded
  }
  const factory = loaded.createCryptoConfig ?? loaded.default?.createCryptoConfig
  if (typeof factory !== 'function') {
    throw new InvalidArgumentError(
      'The EncryptorPool config module does not export a createCryptoConfig(name, data) function; export one that returns a CryptoConfig',
    )
  }
  return factory as CryptoConfigFactory
}
