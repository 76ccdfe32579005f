import type { AttributeValue } from '@ddb-encryption/core'

/**
 * Deep equality of two attribute values as DynamoDB compares them: same type, same text for S and N (numbers as
 * stored), same bytes for B, sets as sets (member order ignored), lists in order, maps by key.
 */
export function attributeValuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const ta = typeOf(a)
  if (ta !== typeOf(b)) return false
  const va = (a as Record<string, unknown>)[ta]
  const vb = (b as Record<string, unknown>)[ta]
  switch (ta) {
    case 'S':
    case 'N':
    case 'BOOL':
    case 'NULL':
      return va === vb
    case 'B':
      return bytesEqual(va as Uint8Array, vb as Uint8Array)
    case 'SS':
    case 'NS':
      return sameMembers((va as string[]).map(String), (vb as string[]).map(String))
    case 'BS':
      return sameMembers((va as Uint8Array[]).map(hex), (vb as Uint8Array[]).map(hex))
    case 'L': {
      const la = va as AttributeValue[]
      const lb = vb as AttributeValue[]
      return la.length === lb.length && la.every((v, i) => attributeValuesEqual(v, lb[i] as AttributeValue))
    }
    case 'M': {
      const ma = va as Record<string, AttributeValue>
      const mb = vb as Record<string, AttributeValue>
      const keys = Object.keys(ma)
      return keys.length === Object.keys(mb).length &&
        keys.every((k) => Object.prototype.hasOwnProperty.call(mb, k) && attributeValuesEqual(ma[k] as AttributeValue, mb[k] as AttributeValue))
    }
    default:
      return false
  }
}

function typeOf(value: AttributeValue): string {
  for (const key of Object.keys(value)) if ((value as Record<string, unknown>)[key] !== undefined && key !== '$unknown') return key
  return ''
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function hex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

function sameMembers(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((m) => set.has(m))
}
