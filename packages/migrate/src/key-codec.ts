import { InvalidArgumentError, type AttributeValue, type Item } from '@ddb-encryption/core'

/**
 * A primary key (S, N or B values) as JSON text for checkpoints: binary values as base64. Keys hold no protected
 * values (key attributes are never encrypted), but they are still data: checkpoints belong where the table is.
 */
export function encodeKey(key: Item): string {
  const out: Record<string, { S?: string; N?: string; B64?: string }> = {}
  for (const [name, value] of Object.entries(key)) {
    const v = value as { S?: string; N?: string; B?: Uint8Array }
    if (v.S !== undefined) out[name] = { S: v.S }
    else if (v.N !== undefined) out[name] = { N: v.N }
    else if (v.B !== undefined) out[name] = { B64: Buffer.from(v.B).toString('base64') }
    else throw new InvalidArgumentError(`Key attribute "${name}" is not S, N or B`)
  }
  return JSON.stringify(out)
}

/** Inverse of {@link encodeKey}. @throws SyntaxError on text that is not JSON, InvalidArgumentError on a malformed key. */
export function decodeKey(text: string): Item {
  const parsed = JSON.parse(text) as Record<string, { S?: string; N?: string; B64?: string }>
  const key: Record<string, AttributeValue> = {}
  for (const [name, v] of Object.entries(parsed)) {
    let value: AttributeValue
    if (typeof v.S === 'string') value = { S: v.S }
    else if (typeof v.N === 'string') value = { N: v.N }
    else if (typeof v.B64 === 'string') value = { B: new Uint8Array(Buffer.from(v.B64, 'base64')) }
    else throw new InvalidArgumentError(`Checkpoint key attribute "${name}" is malformed`)
    key[name] = value
  }
  return key
}
