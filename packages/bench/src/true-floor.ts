import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  hash,
  privateDecrypt,
  publicEncrypt,
  randomFillSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { CryptoAction, serializeAttribute, type AttributeActions, type AttributeValue, type Item } from '@ddb-encryption/core'
import type { Contender, Sample } from './measure'

/**
 * One primitive the format needs per item: called `perItem` times per item (a fraction when one call serves many
 * items, e.g. a 4 KB CSPRNG fill), costed at its cheapest variant.
 */
export interface FloorPart {
  readonly name: string
  readonly perItem: number
  /**
   * Ways to do the same work; the cheapest measured one counts. Each returns something so nothing is optimized out.
   * A variant that does the work of several calls at once (a batch) says how many.
   */
  readonly variants: Readonly<Record<string, FloorVariant>>
}

/** One way to do a part's work: once per call, or `callsPerRun` calls' worth per run (a batch). */
export type FloorVariant = (() => unknown) | { readonly run: () => unknown; readonly callsPerRun: number }

/** Measured cost of one part in one sample. */
export interface FloorPartCost {
  readonly name: string
  readonly perItem: number
  readonly cheapest: string
  /** CPU nanoseconds per call of the cheapest variant. */
  readonly nsPerCall: number
}

/** What the floor of one case and operation cost in its last sample, part by part. */
export interface FloorBreakdown {
  readonly parts: readonly FloorPartCost[]
  /** CPU microseconds per item: the sum of perItem × nsPerCall. */
  readonly cpuMicrosPerItem: number
}

/** Short runs per variant and sample; the cheapest counts. */
const RUNS_PER_SLICE = 5

function cpuMicros(): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** CPU and wall nanoseconds per call of `fn`, run back to back for about `ms`. */
function costPerCall(fn: () => unknown, ms: number): { cpuNs: number; wallNs: number } {
  let sink: unknown
  const cpuStart = cpuMicros()
  const start = performance.now()
  const end = start + ms
  let calls = 0
  let now = start
  while (now < end) {
    for (let i = 0; i < 16; i++) sink = fn()
    calls += 16
    now = performance.now()
  }
  const cpuNs = ((cpuMicros() - cpuStart) * 1000) / calls
  if (sink === Symbol.for('never')) throw new Error('unreachable')
  return { cpuNs, wallNs: ((now - start) * 1e6) / calls }
}

/**
 * The true floor as a {@link Contender}, so it is measured interleaved with ours and the references: each sample
 * times every variant of every part in a few short runs for a share of the sample, keeps the cheapest run per part
 * (the least the primitive costs on this machine, whatever load adds), and reports
 * the items per second that the sum of the cheapest costs allows. Nothing of the item encryptor's own work (item
 * objects, serialization, promises, providers) is in it: it is the least native work any implementation on
 * node:crypto must do for this item, which no implementation can beat.
 */
export class TrueFloor implements Contender {
  readonly parts: readonly FloorPart[]
  #last: FloorBreakdown | undefined

  constructor(parts: readonly FloorPart[]) {
    this.parts = parts
  }

  /** The breakdown of the last sample (undefined before the first). */
  get breakdown(): FloorBreakdown | undefined {
    return this.#last
  }

  async warmup(ms: number): Promise<void> {
    this.#run(ms)
  }

  async sample(ms: number): Promise<Sample> {
    return this.#run(ms)
  }

  #run(ms: number): Sample {
    const slices = this.parts.reduce((n, part) => n + Object.keys(part.variants).length, 0)
    const slice = Math.max(RUNS_PER_SLICE * 4, ms / slices)
    let cpuNs = 0
    let wallNs = 0
    const parts: FloorPartCost[] = []
    for (const part of this.parts) {
      let best: { name: string; cpuNs: number; wallNs: number } | undefined
      for (const [name, variant] of Object.entries(part.variants)) {
        const fn = typeof variant === 'function' ? variant : variant.run
        const calls = typeof variant === 'function' ? 1 : variant.callsPerRun
        // The least of several short runs: the cheapest the primitive costs here, not what load adds to it.
        for (let run = 0; run < RUNS_PER_SLICE; run++) {
          const perRun = costPerCall(fn, slice / RUNS_PER_SLICE)
          const cost = { cpuNs: perRun.cpuNs / calls, wallNs: perRun.wallNs / calls }
          if (best === undefined || cost.cpuNs < best.cpuNs) best = { name, ...cost }
        }
      }
      if (best === undefined) continue
      cpuNs += part.perItem * best.cpuNs
      wallNs += part.perItem * best.wallNs
      parts.push({ name: part.name, perItem: part.perItem, cheapest: best.name, nsPerCall: best.cpuNs })
    }
    this.#last = { parts, cpuMicrosPerItem: cpuNs / 1000 }
    return { cpuPerSecond: 1e9 / cpuNs, wallPerSecond: 1e9 / wallNs, operations: 0 }
  }
}

const BLOCK = 16
const IV_POOL = 4096
const WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex')

/** The bytes one item makes the floor handle: taken from a real encrypted copy of the bench item. */
export interface FloorItem {
  /** CBC input of all encrypted attributes at once (a 16-byte block per attribute for its IV, padded plaintexts). */
  readonly cbcInput: Buffer
  /** The same, encrypted: what decryption runs through. */
  readonly cbcStored: Buffer
  /** Serialized signed values as stored (encrypted ones as their `B` value), one digest each. */
  readonly signedValues: readonly Buffer[]
  /** Length of the string to sign: 32 + 96 per signed attribute. */
  readonly stringToSign: Buffer
  /** Number of encrypted attributes (one IV each). */
  readonly encrypted: number
}

/** Builds the {@link FloorItem} of `item` from its stored form `stored` (written by our encryptor). */
export function floorItem(item: Item, stored: Item, actions: AttributeActions, aesKey: KeyObject): FloorItem {
  const signed = Object.keys(item).filter((name) => actions.action(name) !== CryptoAction.DO_NOTHING).sort()
  const encrypted = signed.filter((name) => actions.action(name) === CryptoAction.ENCRYPT_AND_SIGN)
  const plaintexts = encrypted.map((name) => Buffer.from(serializeAttribute(item[name] as AttributeValue)))
  const cbcInput = Buffer.concat(plaintexts.flatMap((p) => {
    const padded = p.length - (p.length % BLOCK) + BLOCK
    return [Buffer.alloc(BLOCK), Buffer.concat([p, Buffer.alloc(padded - p.length, padded - p.length)])]
  }))
  const cipherName = `aes-${aesKey.symmetricKeySize! * 8}-cbc`
  const cbcStored = createCipheriv(cipherName, aesKey, Buffer.alloc(BLOCK)).setAutoPadding(false).update(cbcInput)
  return {
    cbcInput,
    cbcStored,
    signedValues: signed.map((name) => Buffer.from(serializeAttribute(stored[name] as AttributeValue))),
    stringToSign: Buffer.alloc(32 + 96 * signed.length, 7),
    encrypted: encrypted.length,
  }
}

function digestParts(item: FloorItem): FloorPart {
  return {
    name: `SHA-256 of each signed value (${item.signedValues.length})`,
    perItem: 1,
    variants: {
      'crypto.hash binary': () => {
        let last = ''
        for (const value of item.signedValues) last = hash('sha256', value, 'binary')
        return last
      },
      'crypto.hash buffer': () => {
        let last: unknown
        for (const value of item.signedValues) last = hash('sha256', value, 'buffer')
        return last
      },
      createHash: () => {
        let last: unknown
        for (const value of item.signedValues) last = createHash('sha256').update(value).digest()
        return last
      },
    },
  }
}

function hmacPart(item: FloorItem, hmacKey: KeyObject): FloorPart {
  return {
    name: `HMAC-SHA256 of the string to sign (${item.stringToSign.length} B)`,
    perItem: 1,
    variants: {
      'createHmac digest()': () => createHmac('sha256', hmacKey).update(item.stringToSign).digest(),
      "createHmac digest('binary')": () => createHmac('sha256', hmacKey).update(item.stringToSign).digest('binary'),
    },
  }
}

function ivPart(item: FloorItem): FloorPart {
  const pool = Buffer.alloc(IV_POOL)
  return { name: `IVs: ${item.encrypted} × 16 B from a 4 KB CSPRNG fill`, perItem: (item.encrypted * BLOCK) / IV_POOL, variants: { randomFillSync: () => randomFillSync(pool) } }
}

/** A persistent CBC context: one `update()` of the whole item (the least a CBC pass can cost). */
function cbcPart(name: string, key: KeyObject | Buffer, bits: number, input: Buffer, decrypt: boolean): FloorPart {
  const cipherName = `aes-${bits}-cbc`
  const context = decrypt
    ? createDecipheriv(cipherName, key, Buffer.alloc(BLOCK)).setAutoPadding(false)
    : createCipheriv(cipherName, key, Buffer.alloc(BLOCK)).setAutoPadding(false)
  return { name: `${name} (${input.length} B, one call)`, perItem: 1, variants: { 'persistent context update': () => context.update(input) } }
}

/** Keys per batch of {@link batchWrap} (as in the core). */
const WRAP_BATCH = 32

/**
 * RFC 3394 wrap (2.2.1) of {@link WRAP_BATCH} copies of `key` at once: each of the 6·n steps is one `update()` of one
 * block per key on a persistent ECB context of the KEK. Only the native calls and the byte moves the algorithm needs.
 */
function batchWrap(kek: KeyObject, key: Buffer): () => unknown {
  const ecb = createCipheriv(`aes-${kek.symmetricKeySize! * 8}-ecb`, kek, null).setAutoPadding(false)
  const n = key.length / 8
  const blocks = Buffer.alloc(WRAP_BATCH * BLOCK)
  const r = Buffer.alloc(WRAP_BATCH * key.length)
  const run = (): Buffer => {
    for (let k = 0; k < WRAP_BATCH; k++) {
      blocks.fill(0xa6, k * BLOCK, k * BLOCK + 8)
      key.copy(r, k * key.length)
    }
    for (let j = 0; j < 6; j++) {
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < WRAP_BATCH; k++) r.copy(blocks, k * BLOCK + 8, k * key.length + 8 * i, k * key.length + 8 * i + 8)
        const out = ecb.update(blocks)
        const t = n * j + i + 1
        for (let k = 0; k < WRAP_BATCH; k++) {
          out.copy(blocks, k * BLOCK, k * BLOCK, k * BLOCK + 8)
          blocks[k * BLOCK + 7] = (blocks[k * BLOCK + 7] as number) ^ t // t < 256 for keys of up to 32 bytes
          out.copy(r, k * key.length + 8 * i, k * BLOCK + 8, k * BLOCK + 16)
        }
      }
    }
    return r
  }
  // The floor counts only work that gives the right bytes: key 0's A ‖ R against a native wrap.
  run()
  const native = createCipheriv(`id-aes${kek.symmetricKeySize! * 8}-wrap`, kek, WRAP_IV)
  const expected = Buffer.concat([native.update(key), native.final()])
  if (!Buffer.concat([blocks.subarray(0, 8), r.subarray(0, key.length)]).equals(expected)) {
    throw new Error('true floor: the batched RFC 3394 wrap does not give the native bytes')
  }
  return run
}

/** Static AES-128 / HMAC-SHA256: one CBC pass per item, one digest per signed value, one MAC; IVs from a pool. */
export function staticFloorParts(item: FloorItem, aesKey: KeyObject, hmacKey: KeyObject, operation: 'encrypt' | 'decrypt'): FloorPart[] {
  const bits = aesKey.symmetricKeySize! * 8
  return operation === 'encrypt'
    ? [ivPart(item), cbcPart('AES-CBC encrypt', aesKey, bits, item.cbcInput, false), digestParts(item), hmacPart(item, hmacKey)]
    : [digestParts(item), hmacPart(item, hmacKey), cbcPart('AES-CBC decrypt', aesKey, bits, item.cbcStored, true)]
}

/**
 * Wrapped AES-256 (AESWrap) + HMAC: per item one content key (from a pooled CSPRNG fill), one key wrap or unwrap
 * (a persistent wrap context, or a fresh one), one CBC context for the new key, then the static work.
 */
export function wrappedAesFloorParts(item: FloorItem, wrappingKey: KeyObject, hmacKey: KeyObject, operation: 'encrypt' | 'decrypt'): FloorPart[] {
  const pool = Buffer.alloc(IV_POOL)
  const contentKey = randomFillSync(Buffer.alloc(32))
  const contentKeyObject = createSecretKey(contentKey)
  const wrapName = `id-aes${wrappingKey.symmetricKeySize! * 8}-wrap`
  const fresh = (): Buffer => {
    const c = createCipheriv(wrapName, wrappingKey, WRAP_IV)
    return Buffer.concat([c.update(contentKey), c.final()])
  }
  const wrapped = fresh()
  const wrapper = createCipheriv(wrapName, wrappingKey, WRAP_IV)
  const unwrapper = createDecipheriv(wrapName, wrappingKey, WRAP_IV)
  // A wrap context reused across calls is cheaper, but only some OpenSSL versions allow it (Node 26's refuses a second
  // update with "unsupported state"): such a variant counts only where it gives the right bytes twice in a row, so the
  // floor never relies on what this Node cannot do.
  const reusable = (run: () => Buffer, expected: Buffer): boolean => {
    try {
      return run().equals(expected) && run().equals(expected)
    } catch {
      return false
    }
  }
  const persistentWrap = reusable(() => wrapper.update(contentKey), wrapped)
  const persistentUnwrap = reusable(() => unwrapper.update(wrapped), contentKey)
  const zeroIv = Buffer.alloc(BLOCK)
  const common: FloorPart[] = operation === 'encrypt'
    ? [
        { name: 'content key: 32 B from a 4 KB CSPRNG fill', perItem: 32 / IV_POOL, variants: { randomFillSync: () => randomFillSync(pool) } },
        {
          name: 'AESWrap of the content key',
          perItem: 1,
          variants: {
            ...(persistentWrap ? { 'persistent wrap context': () => wrapper.update(contentKey) } : {}),
            'fresh wrap context': () => {
              const c = createCipheriv(wrapName, wrappingKey, WRAP_IV)
              return [c.update(contentKey), c.final()]
            },
            // What the core does since it wraps new content keys in batches (AesKeyWrap.wrapNewKey).
            [`RFC 3394 over a persistent ECB context, ${WRAP_BATCH} keys per batch`]: { run: batchWrap(wrappingKey, contentKey), callsPerRun: WRAP_BATCH },
          },
        },
        {
          name: 'AES-256-CBC context for the content key',
          perItem: 1,
          variants: {
            'createCipheriv(raw key)': () => createCipheriv('aes-256-cbc', contentKey, zeroIv),
            'createCipheriv(KeyObject)': () => createCipheriv('aes-256-cbc', contentKeyObject, zeroIv),
          },
        },
      ]
    : [
        {
          name: 'AESWrap unwrap of the content key',
          perItem: 1,
          variants: {
            ...(persistentUnwrap ? { 'persistent unwrap context': () => unwrapper.update(wrapped) } : {}),
            'fresh unwrap context': () => {
              const c = createDecipheriv(wrapName, wrappingKey, WRAP_IV)
              return [c.update(wrapped), c.final()]
            },
          },
        },
        {
          name: 'AES-256-CBC decipher context for the content key',
          perItem: 1,
          variants: {
            'createDecipheriv(raw key)': () => createDecipheriv('aes-256-cbc', contentKey, zeroIv),
            'createDecipheriv(KeyObject)': () => createDecipheriv('aes-256-cbc', contentKeyObject, zeroIv),
          },
        },
      ]
  // The static work runs under the content key (AES-256).
  const cbc = cbcPart(operation === 'encrypt' ? 'AES-CBC encrypt' : 'AES-CBC decrypt', contentKeyObject, 256,
    operation === 'encrypt' ? item.cbcInput : item.cbcStored, operation === 'decrypt')
  return operation === 'encrypt'
    ? [...common, ivPart(item), cbc, digestParts(item), hmacPart(item, hmacKey)]
    : [...common, digestParts(item), hmacPart(item, hmacKey), cbc]
}

/** Wrapped RSA-2048: OAEP(SHA-256) wrap or unwrap of the content key and a SHA256withRSA signature or verification. */
export function wrappedRsaFloorParts(
  item: FloorItem,
  keys: { wrapPublic: KeyObject; wrapPrivate: KeyObject; signPrivate: KeyObject; signPublic: KeyObject },
  operation: 'encrypt' | 'decrypt',
): FloorPart[] {
  const oaep = (key: KeyObject) => ({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' })
  const contentKey = randomFillSync(Buffer.alloc(32))
  const wrapped = publicEncrypt(oaep(keys.wrapPublic), contentKey)
  const signature = sign('sha256', item.stringToSign, keys.signPrivate)
  const pool = Buffer.alloc(IV_POOL)
  const zeroIv = Buffer.alloc(BLOCK)
  const cbc = cbcPart(operation === 'encrypt' ? 'AES-CBC encrypt' : 'AES-CBC decrypt', contentKey, 256,
    operation === 'encrypt' ? item.cbcInput : item.cbcStored, operation === 'decrypt')
  return operation === 'encrypt'
    ? [
        { name: 'content key: 32 B from a 4 KB CSPRNG fill', perItem: 32 / IV_POOL, variants: { randomFillSync: () => randomFillSync(pool) } },
        { name: 'RSA-OAEP(SHA-256) wrap', perItem: 1, variants: { publicEncrypt: () => publicEncrypt(oaep(keys.wrapPublic), contentKey) } },
        { name: 'AES-256-CBC context', perItem: 1, variants: { 'createCipheriv(raw key)': () => createCipheriv('aes-256-cbc', contentKey, zeroIv) } },
        ivPart(item), cbc, digestParts(item),
        { name: 'SHA256withRSA sign', perItem: 1, variants: { 'crypto.sign': () => sign('sha256', item.stringToSign, keys.signPrivate) } },
      ]
    : [
        { name: 'RSA-OAEP(SHA-256) unwrap', perItem: 1, variants: { privateDecrypt: () => privateDecrypt(oaep(keys.wrapPrivate), wrapped) } },
        { name: 'AES-256-CBC decipher context', perItem: 1, variants: { 'createDecipheriv(raw key)': () => createDecipheriv('aes-256-cbc', contentKey, zeroIv) } },
        digestParts(item),
        { name: 'SHA256withRSA verify', perItem: 1, variants: { 'crypto.verify': () => verify('sha256', item.stringToSign, keys.signPublic, signature) } },
        cbc,
      ]
}
