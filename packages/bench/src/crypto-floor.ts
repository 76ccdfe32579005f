import { createCipheriv, createDecipheriv, createHmac, hash, randomBytes, randomFillSync, timingSafeEqual, type KeyObject } from 'node:crypto'
import { CryptoAction, serializeAttribute, type AttributeActions, type AttributeValue, type Item } from '@ddb-encryption/core'

/** One signed attribute, prepared once: what the floor hashes and encrypts per item. */
interface FloorAttribute {
  readonly name: Buffer
  readonly encrypted: boolean
  /** Serialized plaintext value (FORMAT.md 1). */
  readonly plaintext: Buffer
  /** H(name) ‖ H(ENCRYPTED | PLAINTEXT), computed once (used when constant digests are cached). */
  readonly constantDigests: Buffer
}

/**
 * Stored form produced by {@link CryptoFloor.encrypt}: per encrypted attribute its serialized stored value
 * (`00 62` ‖ u32 length ‖ IV ‖ ciphertext, FORMAT.md 1 and 4.2), and the MAC.
 */
export interface FloorCiphertext {
  readonly values: readonly Buffer[]
  readonly mac: Buffer
}

/** Options of {@link CryptoFloor}. */
export interface CryptoFloorOptions {
  /**
   * Hash the constant pieces of the string to sign (the table piece, attribute names, ENCRYPTED/PLAINTEXT markers)
   * once instead of per item, as any implementation can (ours does), and take IVs from a pool refilled 4 KB at a
   * time (one CSPRNG call per 256 IVs, as ours does). With `false` every piece is hashed per item and every IV is
   * its own CSPRNG call.
   */
  readonly cacheConstantDigests: boolean
}

const HEADER = 6
const BLOCK = 16
const IV_POOL_SIZE = 4096
let ivPool = Buffer.alloc(0)
let ivOffset = IV_POOL_SIZE

/** Fills `iv` (16 bytes) from a pool of random bytes; each pool byte is used once. */
function pooledIv(iv: Buffer): void {
  if (ivOffset + BLOCK > IV_POOL_SIZE) {
    ivPool = randomBytes(IV_POOL_SIZE)
    ivOffset = 0
  }
  ivPool.copy(iv, 0, ivOffset, ivOffset + BLOCK)
  ivOffset += BLOCK
}

const sha256 = (data: Uint8Array): Buffer => hash('sha256', data, 'buffer') as unknown as Buffer
const ENCRYPTED = Buffer.from('ENCRYPTED')
const PLAINTEXT = Buffer.from('PLAINTEXT')

/**
 * The "crypto floor": the bare node:crypto work one item needs, on bytes serialized ahead of time, with the
 * cheapest calls node:crypto offers (one-shot `hash`, one buffer per stored value). Encrypt = per encrypted attribute
 * one AES-128-CBC encryption with a fresh random IV, then SHA-256 of the pieces of the string to sign (FORMAT.md
 * 3.2) and one HMAC-SHA256 over it. Decrypt = the same hashes and HMAC over the stored values, a constant-time
 * compare, then one AES-128-CBC decryption per encrypted attribute. No serialization, no item objects, no promises:
 * what our encryptor costs above this is overhead.
 */
export class CryptoFloor {
  readonly #attributes: readonly FloorAttribute[]
  readonly #table: Buffer
  readonly #tableDigest: Buffer
  readonly #aesKey: KeyObject
  readonly #hmacKey: KeyObject
  readonly #cacheConstantDigests: boolean

  constructor(item: Item, tableName: string, actions: AttributeActions, aesKey: KeyObject, hmacKey: KeyObject, options: CryptoFloorOptions) {
    this.#attributes = Object.keys(item).sort().flatMap((name) => {
      const action = actions.action(name)
      if (action === CryptoAction.DO_NOTHING) return []
      const nameBytes = Buffer.from(name, 'utf8')
      const encrypted = action === CryptoAction.ENCRYPT_AND_SIGN
      return [{
        name: nameBytes,
        encrypted,
        plaintext: Buffer.from(serializeAttribute(item[name] as AttributeValue)),
        constantDigests: Buffer.concat([sha256(nameBytes), sha256(encrypted ? ENCRYPTED : PLAINTEXT)]),
      }]
    })
    this.#table = Buffer.from(`TABLE>${tableName}<TABLE`, 'utf8')
    this.#tableDigest = sha256(this.#table)
    this.#aesKey = aesKey
    this.#hmacKey = hmacKey
    this.#cacheConstantDigests = options.cacheConstantDigests
  }

  /** Encrypts and MACs one item's worth of attributes. */
  encrypt(): FloorCiphertext {
    const values: Buffer[] = []
    for (const attribute of this.#attributes) {
      if (!attribute.encrypted) continue
      const length = BLOCK + attribute.plaintext.length - (attribute.plaintext.length % BLOCK) + BLOCK
      const value = Buffer.allocUnsafe(HEADER + length)
      value.writeUInt16BE(0x0062, 0) // tag 'b' (FORMAT.md 1.1)
      value.writeUInt32BE(length, 2)
      const iv = value.subarray(HEADER, HEADER + BLOCK)
      if (this.#cacheConstantDigests) pooledIv(iv)
      else randomFillSync(iv)
      const cipher = createCipheriv('aes-128-cbc', this.#aesKey, iv)
      const body = cipher.update(attribute.plaintext)
      body.copy(value, HEADER + BLOCK)
      cipher.final().copy(value, HEADER + BLOCK + body.length)
      values.push(value)
    }
    return { values, mac: this.#mac(values) }
  }

  /** Verifies and decrypts what {@link encrypt} produced; returns the serialized plaintext values. */
  decrypt(stored: FloorCiphertext): Buffer[] {
    const mac = this.#mac(stored.values)
    if (mac.length !== stored.mac.length || !timingSafeEqual(mac, stored.mac)) throw new Error('floor MAC mismatch')
    const out: Buffer[] = []
    for (const value of stored.values) {
      const decipher = createDecipheriv('aes-128-cbc', this.#aesKey, value.subarray(HEADER, HEADER + BLOCK))
      out.push(Buffer.concat([decipher.update(value.subarray(HEADER + BLOCK)), decipher.final()]))
    }
    return out
  }

  #mac(values: readonly Buffer[]): Buffer {
    const stringToSign = Buffer.allocUnsafe(32 + 96 * this.#attributes.length)
    const cached = this.#cacheConstantDigests
    ;(cached ? this.#tableDigest : sha256(this.#table)).copy(stringToSign, 0)
    let offset = 32
    let next = 0
    for (const attribute of this.#attributes) {
      if (cached) {
        attribute.constantDigests.copy(stringToSign, offset)
      } else {
        sha256(attribute.name).copy(stringToSign, offset)
        sha256(attribute.encrypted ? ENCRYPTED : PLAINTEXT).copy(stringToSign, offset + 32)
      }
      const value = attribute.encrypted ? (values[next++] as Buffer) : attribute.plaintext
      sha256(value).copy(stringToSign, offset + 64)
      offset += 96
    }
    return createHmac('sha256', this.#hmacKey).update(stringToSign).digest()
  }
}
