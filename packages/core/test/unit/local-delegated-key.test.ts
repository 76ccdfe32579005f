import { generateKeyPairSync, createSecretKey, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { inspect } from 'node:util'
import { LocalDelegatedKey, type LocalDelegatedKeyOptions } from '../../src/crypto/local-delegated-key'
import { DelegatedKeyError, InvalidAlgorithmError, InvalidArgumentError, InvalidKeyError } from '../../src/errors'
import type { KeyType } from '../../src/materials/delegated-key'
import { JceName, MaterialDescriptionKey, ReservedAttribute } from '../../src/wire'

const REPO_ROOT = path.resolve(__dirname, '../../../..')
const VECTORS_DIR = process.env['DDB_ENCRYPTION_VECTORS'] ?? path.resolve(REPO_ROOT, '../shared/vectors')
function readVectorJson<T>(relative: string): T {
  const file = path.join(VECTORS_DIR, relative)
  if (!existsSync(file)) {
    throw new Error(`Test vector ${file} not found: set DDB_ENCRYPTION_VECTORS to the shared vectors folder; these tests never skip`)
  }
  return JSON.parse(readFileSync(file, 'utf8')) as T
}
const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))

interface VectorKey { material: string; algorithm: string; encoding: 'RAW' | 'DER'; type: string }
function vectorKey(name: string): LocalDelegatedKey {
  const keys = readVectorJson<Record<string, VectorKey>>('encrypted_item/keys.json')
  const k = keys[name]
  if (k === undefined) throw new Error(`keys.json has no ${name}`)
  return LocalDelegatedKey.fromBytes({ key: b64(k.material), algorithm: k.algorithm, keyType: k.type.toLowerCase() as KeyType, encoding: k.encoding })
}

/** FORMAT.md 2.2, parsed independently: 4 version bytes, then (u32 length ‖ bytes) key/value pairs. */
function parseDescription(bytes: Uint8Array): Record<string, string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: Record<string, string> = {}
  let offset = 4
  const next = (): string => {
    const length = view.getUint32(offset)
    const text = Buffer.from(bytes.subarray(offset + 4, offset + 4 + length)).toString('utf8')
    offset += 4 + length
    return text
  }
  while (offset < bytes.byteLength) {
    const key = next()
    out[key] = next()
  }
  return out
}

/** Serialized `{"S": text}` (FORMAT.md 1.1): 00 73 ‖ u32(length) ‖ utf8. */
function serializedString(text: string): Uint8Array {
  const body = Buffer.from(text, 'utf8')
  const out = Buffer.alloc(6 + body.length)
  out[1] = 0x73
  out.writeUInt32BE(body.length, 2)
  body.copy(out, 6)
  return new Uint8Array(out)
}

type JsonItem = Record<string, Record<string, string>>
function firstItemWith(file: string, attribute: string): JsonItem {
  const tables = readVectorJson<Record<string, JsonItem[]>>(`encrypted_item/ciphertext/python/${file}`)
  for (const items of Object.values(tables)) {
    const item = items.find((candidate) => candidate[attribute]?.['B'] !== undefined)
    if (item) return item
  }
  throw new Error(`${file} has no item with an encrypted ${attribute}`)
}

let rsa: { publicKey: KeyObject; privateKey: KeyObject }
beforeAll(() => {
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
})

describe('LocalDelegatedKey vectors (smoke checks)', () => {
  it('decrypts stringValue of static-aes-hmac-1.json with aesKey', async () => {
    const item = firstItemWith('static-aes-hmac-1.json', 'stringValue')
    const plaintext = await vectorKey('aesKey').decrypt(JceName.AesCbcPkcs5, 'stringValue', b64(item['stringValue']?.['B'] as string))
    expect(plaintext).toEqual(serializedString('Hello world!'))
  })

  it.each([
    ['wrapped-rsa-rsa-1.json', 'rsaEncPriv', JceName.RsaOaepSha256],
    ['wrapped-aes-hmac-1.json', 'aesKey', JceName.AesWrap],
  ])('unwraps the amzn-ddb-env-key of %s with %s and decrypts stringValue', async (file, keyName, wrapAlg) => {
    const item = firstItemWith(file, 'stringValue')
    const description = parseDescription(b64(item[ReservedAttribute.MaterialDescription]?.['B'] as string))
    expect(description[MaterialDescriptionKey.ContentKeyWrappingAlgorithm]).toBe(wrapAlg)
    const contentKey = await vectorKey(keyName).unwrap(
      wrapAlg,
      b64(description[MaterialDescriptionKey.WrappedDataKey] as string),
      description[MaterialDescriptionKey.ContentEncryptionAlgorithm] as string,
      'symmetric',
    )
    expect(contentKey.algorithm).toBe('AES')
    expect(contentKey.sizeBits).toBe(256)
    const plaintext = await contentKey.decrypt(JceName.AesCbcPkcs5, 'stringValue', b64(item['stringValue']?.['B'] as string))
    expect(plaintext).toEqual(serializedString('Hello world!'))
  })

  it('loads every key of keys.json with its declared algorithm and type', () => {
    const expected = {
      aesKey: ['AES', 'symmetric', 128, true],
      hmacKey: ['HmacSHA256', 'symmetric', 64, true],
      rsaEncPub: ['RSA', 'public', 2048, false],
      rsaEncPriv: ['RSA', 'private', 2048, false],
      rsaSignPub: ['SHA256withRSA', 'public', 2048, true],
      rsaSignPriv: ['SHA256withRSA', 'private', 2048, true],
    } as const
    for (const [name, [algorithm, keyType, sizeBits, raw]] of Object.entries(expected)) {
      const key = vectorKey(name)
      expect([key.algorithm, key.keyType, key.sizeBits, key.allowedForRawMaterials]).toEqual([algorithm, keyType, sizeBits, raw])
    }
  })
})

describe('LocalDelegatedKey.fromBytes', () => {
  const der = (key: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1'): Uint8Array =>
    new Uint8Array(key.export({ format: 'der', type } as never) as Buffer)
  const pem = (key: KeyObject, type: 'spki' | 'pkcs8' | 'pkcs1'): Uint8Array =>
    new Uint8Array(Buffer.from(key.export({ format: 'pem', type } as never) as string, 'utf8'))

  it.each([16, 24, 32])('accepts %i-byte AES keys', (length) => {
    const key = LocalDelegatedKey.fromBytes({ key: new Uint8Array(length), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
    expect(key.sizeBits).toBe(length * 8)
    expect(key.keyType).toBe('symmetric')
  })

  it.each([0, 8, 15, 17, 31, 33, 64])('refuses %i-byte AES keys with InvalidKeyError', (length) => {
    const build = (): LocalDelegatedKey =>
      LocalDelegatedKey.fromBytes({ key: new Uint8Array(length), algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
    expect(build).toThrow(InvalidKeyError)
    expect(build).toThrow(/16, 24 or 32 bytes/)
  })

  it('accepts HMAC keys of any non-zero length, including the 8-byte vector key', () => {
    for (const algorithm of ['HmacSHA224', 'HmacSHA256', 'HmacSHA384', 'HmacSHA512']) {
      expect(LocalDelegatedKey.fromBytes({ key: new Uint8Array(8), algorithm, keyType: 'symmetric', encoding: 'RAW' }).sizeBits).toBe(64)
    }
    expect(() => LocalDelegatedKey.fromBytes({ key: new Uint8Array(0), algorithm: 'HmacSHA256', keyType: 'symmetric', encoding: 'RAW' })).toThrow(InvalidKeyError)
  })

  it.each([
    ['public', 'DER', 'spki'],
    ['public', 'PEM', 'spki'],
    ['public', 'DER', 'pkcs1'],
    ['private', 'DER', 'pkcs8'],
    ['private', 'PEM', 'pkcs8'],
    ['private', 'PEM', 'pkcs1'],
    ['private', 'DER', 'pkcs1'],
  ] as const)('parses RSA %s keys as %s (%s)', async (keyType, encoding, format) => {
    const source = keyType === 'public' ? rsa.publicKey : rsa.privateKey
    const bytes = encoding === 'DER' ? der(source, format) : pem(source, format)
    for (const algorithm of ['RSA', 'SHA256withRSA']) {
      const key = LocalDelegatedKey.fromBytes({ key: bytes, algorithm, keyType, encoding })
      expect([key.keyType, key.sizeBits, key.algorithm]).toEqual([keyType, 2048, algorithm])
    }
    const verifier = LocalDelegatedKey.fromBytes({ key: bytes, algorithm: 'SHA256withRSA', keyType, encoding })
    const signature = await LocalDelegatedKey.fromKeyObject(rsa.privateKey, 'SHA256withRSA').sign('SHA256withRSA', new Uint8Array([1]))
    expect(await verifier.verify('SHA256withRSA', signature, new Uint8Array([1]))).toBe(true)
  })

  it('refuses key type mismatches with InvalidKeyError saying what is expected', () => {
    const cases: [LocalDelegatedKeyOptions, RegExp][] = [
      [{ key: new Uint8Array(16), algorithm: 'AES', keyType: 'private', encoding: 'RAW' }, /symmetric.*'RAW'/],
      [{ key: new Uint8Array(16), algorithm: 'AES', keyType: 'symmetric', encoding: 'DER' }, /symmetric.*'RAW'/],
      [{ key: new Uint8Array(16), algorithm: 'HmacSHA256', keyType: 'public', encoding: 'RAW' }, /symmetric/],
      [{ key: der(rsa.publicKey, 'spki'), algorithm: 'RSA', keyType: 'symmetric', encoding: 'RAW' }, /'public'.*'private'/],
      [{ key: der(rsa.publicKey, 'spki'), algorithm: 'RSA', keyType: 'private', encoding: 'DER' }, /not an RSA private key/],
      [{ key: der(rsa.privateKey, 'pkcs8'), algorithm: 'RSA', keyType: 'public', encoding: 'DER' }, /private key: pass keyType 'private'/],
      [{ key: der(rsa.privateKey, 'pkcs1'), algorithm: 'RSA', keyType: 'public', encoding: 'DER' }, /private key: pass keyType 'private'/],
      [{ key: pem(rsa.privateKey, 'pkcs8'), algorithm: 'RSA', keyType: 'public', encoding: 'PEM' }, /private key: pass keyType 'private'/],
      [{ key: new Uint8Array([1, 2, 3]), algorithm: 'SHA256withRSA', keyType: 'public', encoding: 'DER' }, /not an RSA public key/],
    ]
    for (const [options, message] of cases) {
      expect(() => LocalDelegatedKey.fromBytes(options)).toThrow(InvalidKeyError)
      expect(() => LocalDelegatedKey.fromBytes(options)).toThrow(message)
    }
  })

  it('refuses EC keys for RSA algorithms', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(() => LocalDelegatedKey.fromBytes({ key: der(ec.publicKey, 'spki'), algorithm: 'SHA256withRSA', keyType: 'public', encoding: 'DER' })).toThrow(InvalidKeyError)
    expect(() => LocalDelegatedKey.fromKeyObject(ec.privateKey, 'RSA')).toThrow(InvalidKeyError)
  })

  it.each(['AES/256', 'aes', 'HmacSHA1', 'HmacMD5', 'RSA/ECB/PKCS1Padding', 'SHA1withRSA', 'DES', ''])(
    'refuses unknown algorithm %p with InvalidAlgorithmError',
    (algorithm) => {
      const build = (): LocalDelegatedKey =>
        LocalDelegatedKey.fromBytes({ key: new Uint8Array(16), algorithm, keyType: 'symmetric', encoding: 'RAW' })
      expect(build).toThrow(InvalidAlgorithmError)
      expect(build).toThrow(/use AES, HmacSHA224\/256\/384\/512, RSA or SHA224\/256\/384\/512withRSA/)
    },
  )

  it('refuses bad option bags with InvalidArgumentError', () => {
    expect(() => LocalDelegatedKey.fromBytes(null as never)).toThrow(InvalidArgumentError)
    expect(() => LocalDelegatedKey.fromBytes({ key: 'abc', algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' } as never)).toThrow(/"key" must be a Uint8Array/)
    expect(() => LocalDelegatedKey.fromBytes({ key: new Uint8Array(16), algorithm: 'AES', keyType: 'secret', encoding: 'RAW' } as never)).toThrow(/keyType/)
    expect(() => LocalDelegatedKey.fromBytes({ key: new Uint8Array(16), algorithm: 'AES', keyType: 'symmetric', encoding: 'HEX' } as never)).toThrow(/encoding/)
  })

  it('copies the key bytes: changing the caller array later does not change the key', async () => {
    const bytes = new Uint8Array(16).fill(1)
    const key = LocalDelegatedKey.fromBytes({ key: bytes, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
    const blob = await key.encrypt(JceName.AesCbcPkcs5, 'a', new Uint8Array([42]))
    bytes.fill(2)
    expect(await key.decrypt(JceName.AesCbcPkcs5, 'a', blob)).toEqual(new Uint8Array([42]))
    expect(bytes).toEqual(new Uint8Array(16).fill(2))
  })
})

describe('LocalDelegatedKey.fromKeyObject and generate', () => {
  it('wraps secret and RSA KeyObjects', () => {
    expect(LocalDelegatedKey.fromKeyObject(createSecretKey(new Uint8Array(32)), 'AES').sizeBits).toBe(256)
    expect(LocalDelegatedKey.fromKeyObject(createSecretKey(new Uint8Array(20)), 'HmacSHA512').sizeBits).toBe(160)
    const pub = LocalDelegatedKey.fromKeyObject(rsa.publicKey, 'RSA')
    expect([pub.keyType, pub.sizeBits, pub.allowedForRawMaterials]).toEqual(['public', 2048, false])
  })

  it('refuses mismatched KeyObjects and non-KeyObjects', () => {
    expect(() => LocalDelegatedKey.fromKeyObject(rsa.privateKey, 'AES')).toThrow(InvalidKeyError)
    expect(() => LocalDelegatedKey.fromKeyObject(createSecretKey(new Uint8Array(32)), 'SHA256withRSA')).toThrow(InvalidKeyError)
    expect(() => LocalDelegatedKey.fromKeyObject(createSecretKey(new Uint8Array(20)), 'AES')).toThrow(InvalidKeyError)
    expect(() => LocalDelegatedKey.fromKeyObject(new Uint8Array(16) as never, 'AES')).toThrow(InvalidArgumentError)
    expect(() => LocalDelegatedKey.fromKeyObject(rsa.publicKey, 'RSA/ECB/PKCS1Padding')).toThrow(InvalidAlgorithmError)
  })

  it.each([128, 192, 256])('generates distinct random AES-%i keys', async (bits) => {
    const a = LocalDelegatedKey.generate('AES', bits)
    const b = LocalDelegatedKey.generate('AES', bits)
    expect([a.algorithm, a.keyType, a.sizeBits]).toEqual(['AES', 'symmetric', bits])
    const plaintext = new Uint8Array(16)
    const blob = await a.encrypt(JceName.AesCbcPkcs5, 'x', plaintext)
    expect(await a.decrypt(JceName.AesCbcPkcs5, 'x', blob)).toEqual(plaintext)
    const other = await b.decrypt(JceName.AesCbcPkcs5, 'x', blob).catch((e: unknown) => e)
    expect(other).not.toEqual(plaintext)
  })

  it('generates HMAC keys of any multiple of 8 bits from 128 and refuses the rest', async () => {
    expect(LocalDelegatedKey.generate('HmacSHA256', 128).sizeBits).toBe(128)
    expect(LocalDelegatedKey.generate('HmacSHA384', 520).sizeBits).toBe(520)
    const key = LocalDelegatedKey.generate('HmacSHA256', 256)
    const mac = await key.sign('HmacSHA256', new Uint8Array([1]))
    expect(await key.verify('HmacSHA256', mac, new Uint8Array([1]))).toBe(true)
    expect(await LocalDelegatedKey.generate('HmacSHA256', 256).verify('HmacSHA256', mac, new Uint8Array([1]))).toBe(false)
    for (const bits of [0, 64, 120, 130, 256.5]) {
      expect(() => LocalDelegatedKey.generate('HmacSHA256', bits)).toThrow(InvalidArgumentError)
    }
  })

  it.each([0, 64, 100, 512])('refuses AES-%i', (bits) => {
    expect(() => LocalDelegatedKey.generate('AES', bits)).toThrow(/128, 192 or 256 bits/)
  })

  it('refuses RSA generation and points to generateKeyPairSync + fromKeyObject', () => {
    for (const algorithm of ['RSA', 'SHA256withRSA']) {
      expect(() => LocalDelegatedKey.generate(algorithm, 2048)).toThrow(InvalidArgumentError)
      expect(() => LocalDelegatedKey.generate(algorithm, 2048)).toThrow(/generateKeyPairSync.*fromKeyObject/)
    }
    expect(() => LocalDelegatedKey.generate('Blowfish', 128)).toThrow(InvalidAlgorithmError)
  })
})

describe('LocalDelegatedKey instances', () => {
  it('are frozen', () => {
    const key = LocalDelegatedKey.generate('AES', 128)
    expect(Object.isFrozen(key)).toBe(true)
    expect(() => {
      ;(key as { algorithm: string }).algorithm = 'HmacSHA256'
    }).toThrow(TypeError)
  })

  it('never show key bytes through JSON, inspect or enumeration', () => {
    const bytes = new Uint8Array(16).fill(0xab)
    const key = LocalDelegatedKey.fromBytes({ key: bytes, algorithm: 'AES', keyType: 'symmetric', encoding: 'RAW' })
    const shown = JSON.stringify(key) + inspect(key, { depth: 10, showHidden: true }) + String(Object.values(key))
    expect(shown).not.toMatch(/abab|171, 171|q6ur/i)
    expect(Object.keys(key).sort()).toEqual(['algorithm', 'allowedForRawMaterials', 'keyType', 'sizeBits'])
  })

  it('report allowedForRawMaterials: true for AES, Hmac* and SHA*withRSA, false for RSA', () => {
    expect(LocalDelegatedKey.generate('AES', 128).allowedForRawMaterials).toBe(true)
    expect(LocalDelegatedKey.generate('HmacSHA224', 128).allowedForRawMaterials).toBe(true)
    expect(LocalDelegatedKey.fromKeyObject(rsa.privateKey, 'SHA512withRSA').allowedForRawMaterials).toBe(true)
    expect(LocalDelegatedKey.fromKeyObject(rsa.privateKey, 'RSA').allowedForRawMaterials).toBe(false)
  })

  it('refuse operations the key cannot do with DelegatedKeyError', async () => {
    const rsaKey = LocalDelegatedKey.fromKeyObject(rsa.privateKey, 'RSA')
    await expect(rsaKey.encrypt(JceName.AesCbcPkcs5, 'a', new Uint8Array(1))).rejects.toThrow(DelegatedKeyError)
    await expect(rsaKey.decrypt(JceName.AesCbcPkcs5, 'a', new Uint8Array(32))).rejects.toThrow(DelegatedKeyError)
    const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
    await expect(hmac.wrap(JceName.RsaOaepSha256, new Uint8Array(32))).rejects.toThrow(DelegatedKeyError)
    await expect(hmac.unwrap(JceName.RsaOaepSha256, new Uint8Array(256), 'AES', 'symmetric')).rejects.toThrow(DelegatedKeyError)
  })

  it('refuse to unwrap into unknown or RSA key algorithms', async () => {
    const kek = LocalDelegatedKey.generate('AES', 128)
    const wrapped = await kek.wrap(JceName.AesWrap, new Uint8Array(32))
    await expect(kek.unwrap(JceName.AesWrap, wrapped, 'DES/256', 'symmetric')).rejects.toThrow(InvalidAlgorithmError)
    await expect(kek.unwrap(JceName.AesWrap, wrapped, 'RSA', 'symmetric')).rejects.toThrow(InvalidAlgorithmError)
    await expect(kek.unwrap(JceName.AesWrap, wrapped, 'AES/256', 'symmetric')).resolves.toBeInstanceOf(LocalDelegatedKey)
  })
})

describe('LocalDelegatedKey.fromBytes: what follows from the algorithm is not asked for', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
  const pkcs8Pem = new TextEncoder().encode(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)

  it.each([
    ['AES', 32],
    ['HmacSHA256', 32],
  ])('builds a %s key from raw bytes without keyType or encoding (symmetric, RAW)', async (algorithm, length) => {
    const bytes = new Uint8Array(length).fill(7)
    const implicit = LocalDelegatedKey.fromBytes({ key: bytes, algorithm })
    const explicit = LocalDelegatedKey.fromBytes({ key: bytes, algorithm, keyType: 'symmetric', encoding: 'RAW' })
    expect(implicit.keyType).toBe('symmetric')
    if (algorithm === 'AES') {
      const wrapped = await implicit.wrap('AESWrap', new Uint8Array(32).fill(1))
      expect(await explicit.wrap('AESWrap', new Uint8Array(32).fill(1))).toEqual(wrapped)
    } else {
      const data = new Uint8Array([1, 2, 3])
      expect(await implicit.sign('HmacSHA256', data)).toEqual(await explicit.sign('HmacSHA256', data))
    }
  })

  it('detects DER and PEM for RSA keys when encoding is left out', async () => {
    const verifier = LocalDelegatedKey.fromBytes({ key: spkiDer, algorithm: 'SHA256withRSA', keyType: 'public' })
    const signer = LocalDelegatedKey.fromBytes({ key: pkcs8Pem, algorithm: 'SHA256withRSA', keyType: 'private' })
    const data = new Uint8Array([4, 5, 6])
    expect(await verifier.verify('SHA256withRSA', await signer.sign('SHA256withRSA', data), data)).toBe(true)
  })

  it('requires keyType for RSA keys (public and private are different intents)', () => {
    const call = (): LocalDelegatedKey => LocalDelegatedKey.fromBytes({ key: spkiDer, algorithm: 'RSA' })
    expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/"keyType" is required for RSA keys/) }))
  })

  it('still refuses an explicit keyType or encoding that contradicts the algorithm', () => {
    expect(() => LocalDelegatedKey.fromBytes({ key: new Uint8Array(32), algorithm: 'AES', keyType: 'private' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_KEY' }),
    )
  })
})
