// Configuration module of the re-encryption tests on worker threads (loaded by the job and every worker thread):
// the target is a wrapped provider, the one previous configuration a static provider. The keys of each table are
// read from a file the test wrote (rotationKeysFile): worker threads see the process environment, not a test's.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { AttributeActions, CryptoAction, LocalDelegatedKey } = require('@ddb-encryption/core')
const { StaticMaterialsProvider, WrappedMaterialsProvider } = require('@ddb-encryption/providers-wrapped')

/** Where the keys of `tableName` live. */
function rotationKeysFile(tableName) {
  return path.join(os.tmpdir(), `ddb-encryption-migrate-rotation-keys-${tableName}.json`)
}

function key(hex, algorithm) {
  return LocalDelegatedKey.fromBytes({ key: Buffer.from(hex, 'hex'), algorithm, keyType: 'symmetric', encoding: 'RAW' })
}

const attributeActions = new AttributeActions({ attributeActions: { note: CryptoAction.DO_NOTHING } })

module.exports = function configuration({ tableName }) {
  const keys = JSON.parse(fs.readFileSync(rotationKeysFile(tableName), 'utf8'))
  const wrappingKey = key(keys.wrapping, 'AES')
  return {
    target: {
      materialsProvider: new WrappedMaterialsProvider({ wrappingKey, unwrappingKey: wrappingKey, signingKey: key(keys.signing, 'HmacSHA256') }),
      attributeActions,
    },
    previous: [{
      name: 'static',
      materialsProvider: StaticMaterialsProvider.fromKeys({ encryptionKey: key(keys.oldAes, 'AES'), signingKey: key(keys.oldHmac, 'HmacSHA256') }),
      attributeActions,
    }],
  }
}
module.exports.rotationKeysFile = rotationKeysFile
