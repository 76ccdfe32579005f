/**
 * Low-level DynamoDB attribute values, structurally compatible with `AttributeValue` of
 * `@aws-sdk/client-dynamodb` (so core has no dependency on the client). `N` stays a string everywhere in core.
 */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: Uint8Array }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly Uint8Array[] }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly L: readonly AttributeValue[] }
  | { readonly M: Readonly<Record<string, AttributeValue>> }

/** A DynamoDB item in low-level form. */
export type Item = Readonly<Record<string, AttributeValue>>
