import type { AttributeValue } from '@aws-sdk/client-dynamodb'

/** Longest text shown for one value in the demo's tables. */
const MAX_TEXT = 44
/** Bytes of a binary value shown as hex before the ellipsis. */
const HEX_PREFIX_BYTES = 8

const hex = (bytes: Uint8Array): string => Array.from(bytes.subarray(0, HEX_PREFIX_BYTES), (b) => b.toString(16).padStart(2, '0')).join('')

function truncate(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** A stored (low-level) value for the terminal: `B 48 bytes 3fa9c1d2e0b1a2c3…`, `S "text"`, `N 42`, ... */
export function formatStoredValue(value: AttributeValue | undefined): string {
  if (value === undefined) return '-'
  if (value.B !== undefined) {
    const more = value.B.length > HEX_PREFIX_BYTES ? '…' : ''
    return `B ${value.B.length} bytes ${hex(value.B)}${more}`
  }
  if (value.S !== undefined) return truncate(`S ${JSON.stringify(value.S)}`)
  if (value.N !== undefined) return truncate(`N ${value.N}`)
  if (value.BOOL !== undefined) return `BOOL ${value.BOOL}`
  if (value.NULL !== undefined) return 'NULL'
  const [type] = Object.keys(value)
  return truncate(`${type ?? '?'} ${JSON.stringify(value[type as keyof AttributeValue])}`)
}

/** A native (decrypted) value for the terminal, as JSON, truncated. */
export function formatNativeValue(value: unknown): string {
  if (value === undefined) return '-'
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  return truncate(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value))
}

/** Lays out rows as left-aligned columns separated by two spaces, each line indented. */
export function formatColumns(rows: readonly (readonly string[])[], indent = '    '): string[] {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length) })
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
}
