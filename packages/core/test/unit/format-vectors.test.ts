/**
 * The official format vectors (FORMAT.md 10.1-10.4), read from the shared folder named by DDB_ENCRYPTION_VECTORS
 * (default: `<repo root>/../shared/vectors`). Every entry of every file is its own test case.
 */
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { AttributeActions } from '../../src/attribute-actions'
import type { AttributeValue, Item } from '../../src/attribute-value'
import { CryptoAction } from '../../src/crypto-action'
import { deserializeAttribute, serializeAttribute } from '../../src/serialize/attribute'
import { deserializeMaterialDescription, serializeMaterialDescription } from '../../src/serialize/material-description'
import { stringToSign } from '../../src/serialize/string-to-sign'

const REPO_ROOT = path.resolve(__dirname, '../../../..')
const VECTORS_DIR = process.env['DDB_ENCRYPTION_VECTORS'] ?? path.resolve(REPO_ROOT, '../shared/vectors')

function loadVectors<T>(file: string): T[] {
  if (!existsSync(VECTORS_DIR)) {
    throw new Error(
      `Test vectors folder not found: ${VECTORS_DIR}. Set DDB_ENCRYPTION_VECTORS to the shared vectors folder ` +
      '(FORMAT.md section 10); these tests never skip.',
    )
  }
  const parsed: unknown = JSON.parse(readFileSync(path.join(VECTORS_DIR, file), 'utf8'))
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error(`${file} holds no vectors`)
  return parsed as T[]
}

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))

/** DynamoDB JSON from the vector files (B and BS as base64) to core's AttributeValue. */
function toAttribute(json: Record<string, unknown>): AttributeValue {
  const [[type, body]] = Object.entries(json) as [[string, unknown]]
  switch (type) {
    case 'B': return { B: fromBase64(body as string) }
    case 'BS': return { BS: (body as string[]).map(fromBase64) }
    case 'L': return { L: (body as Record<string, unknown>[]).map(toAttribute) }
    case 'M': return {
      M: Object.fromEntries(Object.entries(body as Record<string, Record<string, unknown>>).map(([k, v]) => [k, toAttribute(v)])),
    }
    default: return { [type]: body } as unknown as AttributeValue
  }
}

/** Sets compared as sets: sort members canonically (the serialization order) before comparing. */
function canonicalSets(value: AttributeValue): AttributeValue {
  if ('SS' in value) return { SS: [...value.SS].sort() }
  if ('NS' in value) return { NS: [...value.NS].sort() }
  if ('BS' in value) return { BS: [...value.BS].sort((a, b) => Buffer.compare(a, b)) }
  if ('L' in value) return { L: value.L.map(canonicalSets) }
  if ('M' in value) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, canonicalSets(v)])) }
  return value
}

interface AttributeVector { attribute: Record<string, unknown>; serialized: string }
interface MaterialDescriptionVector { material_description: Record<string, string>; serialized: string }
interface StringToSignVector {
  table: string
  item: Record<string, { value: Record<string, unknown>; action: 'encrypt' | 'sign' | 'nothing' }>
  string_to_sign: string
}

const label = (value: unknown): string => JSON.stringify(value).slice(0, 100)

describe('serialize_attribute.json', () => {
  test.each(loadVectors<AttributeVector>('serialize_attribute.json').map((v, i) => [i, label(v.attribute), v] as const))(
    'entry %i %s serializes to the exact bytes',
    (_index, _label, vector) => {
      expect(Buffer.from(serializeAttribute(toAttribute(vector.attribute))).toString('hex'))
        .toBe(Buffer.from(vector.serialized, 'base64').toString('hex'))
    },
  )
})

describe('deserialize_attribute.json', () => {
  test.each(loadVectors<AttributeVector>('deserialize_attribute.json').map((v, i) => [i, label(v.attribute), v] as const))(
    'entry %i %s deserializes to the value and re-serializes to the same bytes',
    (_index, _label, vector) => {
      const bytes = fromBase64(vector.serialized)
      const value = deserializeAttribute(bytes)
      expect(canonicalSets(value)).toEqual(canonicalSets(toAttribute(vector.attribute)))
      expect(Buffer.from(serializeAttribute(value)).toString('hex')).toBe(Buffer.from(bytes).toString('hex'))
    },
  )
})

describe('material_description.json', () => {
  test.each(loadVectors<MaterialDescriptionVector>('material_description.json').map((v, i) => [i, label(v.material_description), v] as const))(
    'entry %i %s serializes sorted and parses back',
    (_index, _label, vector) => {
      expect(Buffer.from(serializeMaterialDescription(vector.material_description)).toString('base64')).toBe(vector.serialized)
      expect(deserializeMaterialDescription(fromBase64(vector.serialized))).toEqual(vector.material_description)
    },
  )
})

describe('string_to_sign.json', () => {
  const ACTION = { encrypt: CryptoAction.ENCRYPT_AND_SIGN, sign: CryptoAction.SIGN_ONLY, nothing: CryptoAction.DO_NOTHING } as const
  test.each(loadVectors<StringToSignVector>('string_to_sign.json').map((v, i) => [i, v.table, v] as const))(
    'entry %i (table %s) gives the exact string to sign',
    (_index, _table, vector) => {
      const item: Record<string, AttributeValue> = {}
      const overrides: Record<string, CryptoAction> = {}
      for (const [name, { value, action }] of Object.entries(vector.item)) {
        item[name] = toAttribute(value)
        const mapped = ACTION[action]
        if (mapped === undefined) throw new Error(`unknown action "${action}" in string_to_sign.json`)
        overrides[name] = mapped
      }
      // Attributes not listed in the vector use action "nothing" (FORMAT.md 10.4).
      const actions = new AttributeActions({ defaultAction: CryptoAction.DO_NOTHING, attributeActions: overrides })
      expect(Buffer.from(stringToSign(item as Item, vector.table, actions)).toString('base64')).toBe(vector.string_to_sign)
    },
  )
})
