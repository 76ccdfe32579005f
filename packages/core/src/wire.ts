/**
 * Every string that appears on the wire, verbatim (FORMAT.md sections 2, 3, 7). Never rename these:
 * a test pins each one.
 */

/** Reserved item attributes written by the encryptor (FORMAT.md 2.1). */
export const ReservedAttribute = {
  MaterialDescription: '*amzn-ddb-map-desc*',
  Signature: '*amzn-ddb-map-sig*',
} as const

/** Well-known material description keys (FORMAT.md 2.3). */
export const MaterialDescriptionKey = {
  SymmetricMode: 'amzn-ddb-map-sym-mode',
  SigningAlgorithm: 'amzn-ddb-map-signingAlg',
  WrappedDataKey: 'amzn-ddb-env-key',
  ContentEncryptionAlgorithm: 'amzn-ddb-env-alg',
  ContentKeyWrappingAlgorithm: 'amzn-ddb-wrap-alg',
  ItemSignatureAlgorithm: 'amzn-ddb-sig-alg',
  KMSEncryptionContextAttributes: 'aws-kms-ec-attr',
  MetaId: 'amzn-ddb-meta-id',
} as const

/** The only symmetric mode ever written (FORMAT.md 4.1). */
export const SYMMETRIC_MODE = '/CBC/PKCS5Padding'

/** Material description format version: four zero bytes (FORMAT.md 2.2). */
export const MATERIAL_DESCRIPTION_VERSION = new Uint8Array([0, 0, 0, 0])

/** JCE algorithm and transformation names (FORMAT.md 3.5, 4.1, 7.2). */
export const JceName = {
  Aes: 'AES',
  AesWrap: 'AESWrap',
  Rsa: 'RSA',
  RsaOaepSha256: 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding',
  RsaPkcs1: 'RSA/ECB/PKCS1Padding',
  AesCbcPkcs5: 'AES/CBC/PKCS5Padding',
  HmacSha224: 'HmacSHA224',
  HmacSha256: 'HmacSHA256',
  HmacSha384: 'HmacSHA384',
  HmacSha512: 'HmacSHA512',
  Sha224WithRsa: 'SHA224withRSA',
  Sha256WithRsa: 'SHA256withRSA',
  Sha384WithRsa: 'SHA384withRSA',
  Sha512WithRsa: 'SHA512withRSA',
} as const

/** Markers hashed into the string to sign (FORMAT.md 3.2). */
export const SignatureMarker = { Encrypted: 'ENCRYPTED', Plaintext: 'PLAINTEXT' } as const

/** Direct KMS provider strings (FORMAT.md 7.3). */
export const DirectKMS = {
  WrapAlgorithm: 'kms',
  KMSEncryptionContextAttributesValue: '*keys*',
  ContextKeyContentAlgorithm: '*amzn-ddb-env-alg*',
  ContextKeySigningAlgorithm: '*amzn-ddb-sig-alg*',
  ContextKeyTable: '*aws-kms-table*',
  DefaultContentAlgorithm: 'AES/256',
  DefaultSigningAlgorithm: 'HmacSHA256/256',
  HkdfInfoEncryption: 'Encryption',
  HkdfInfoSigning: 'Signing',
} as const

/** MetaStore table schema and item attribute names (FORMAT.md 7.4). */
export const MetaStoreAttribute = {
  MaterialName: 'N',
  Version: 'V',
  MaterialTypeVersion: 't',
  EncryptionAlgorithm: 'encAlg',
  EncryptionKey: 'enc',
  IntegrityAlgorithm: 'intAlg',
  IntegrityKey: 'int',
} as const

/** The only MetaStore material type version (FORMAT.md 7.4). */
export const META_STORE_MATERIAL_TYPE_VERSION = '0'
