/**
 * Low-level DynamoDB attribute values, structurally compatible in both directions with `AttributeValue` of
 * `@aws-sdk/client-dynamodb` (so core has no dependency on the client, and items pass between the SDK and the
 * encryptor without casts). `N` stays a string everywhere in core.
 */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: Uint8Array }
  | { readonly SS: string[] }
  | { readonly NS: string[] }
  | { readonly BS: Uint8Array[] }
  | { readonly BOOL: boolean }
  /** Only `{ NULL: true }` is a valid value; `false` is rejected at run time (SerializationError). */
  | { readonly NULL: boolean }
  | { readonly L: AttributeValue[] }
  | { readonly M: Record<string, AttributeValue> }
  /** The SDK's marker for a type it does not know; present for type compatibility only, rejected at run time. */
  | { readonly $unknown: [string, unknown] }

/** A DynamoDB item in low-level form. */
export type Item = Readonly<Record<string, AttributeValue>>
