// Configuration module used by the tests and the benchmark (loaded by the CLI, the job and every worker thread), in
// the documented shape. The keys of each table are read from a file the test wrote (keysFile): worker threads of
// core's EncryptorPool see the process environment, not a test's, so a file is what every thread can share.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { AttributeActions, CryptoAction, LocalDelegatedKey } = require('@ddb-encryption/core')
const { WrappedMaterialsProvider } = require('@ddb-encryption/providers-wrapped')

/** Where the keys of `tableName` live. */
function keysFile(tableName) {
  return path.join(os.tmpdir(), `ddb-encryption-migrate-test-keys-${tableName}.json`)
}

function key(hex, algorithm) {
  return LocalDelegatedKey.fromBytes({ key: Buffer.from(hex, 'hex'), algorithm, keyType: 'symmetric', encoding: 'RAW' })
}

module.exports = function configuration({ tableName }) {
  const keys = JSON.parse(fs.readFileSync(keysFile(tableName), 'utf8'))
  const wrappingKey = key(keys.wrapping, 'AES')
  return {
    target: {
      materialsProvider: new WrappedMaterialsProvider({ wrappingKey, unwrappingKey: wrappingKey, signingKey: key(keys.signing, 'HmacSHA256') }),
      attributeActions: new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING } }),
    },
  }
}
module.exports.keysFile = keysFile
