// Configuration module used by the tests (loaded by the CLI, the job and every worker thread), in the documented
// shape. Keys come from the environment as hex, so the test process and the worker threads hold the same keys.
'use strict'
const { AttributeActions, CryptoAction, LocalDelegatedKey } = require('@ddb-encryption/core')
const { StaticMaterialsProvider, WrappedMaterialsProvider } = require('@ddb-encryption/providers-wrapped')

function key(name, algorithm) {
  const hex = process.env[name]
  if (!hex) throw new Error(`${name} is not set`)
  return LocalDelegatedKey.fromBytes({ key: Buffer.from(hex, 'hex'), algorithm, keyType: 'symmetric', encoding: 'RAW' })
}

module.exports = function configuration() {
  const wrappingKey = key('MIGRATE_TEST_WRAPPING_KEY', 'AES')
  const target = {
    materialsProvider: new WrappedMaterialsProvider({ wrappingKey, unwrappingKey: wrappingKey, signingKey: key('MIGRATE_TEST_SIGNING_KEY', 'HmacSHA256') }),
    attributeActions: new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING } }),
  }
  return { target }
}
