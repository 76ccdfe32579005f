import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  ListAliasesCommand,
  type KMSClient,
} from '@aws-sdk/client-kms'

/** Options of {@link createKmsKey}. */
export interface CreateKmsKeyOptions {
  /** Create a multi-Region primary key (`mrk-` key id); default false. */
  multiRegion?: boolean
  /** Key description; default `ddb-encryption test key`. */
  description?: string
}

/** A KMS key created for a test. */
export interface TestKmsKey {
  /** The bare key id (a UUID, or `mrk-<32 hex digits>` for a multi-Region key). */
  keyId: string
  /** The key ARN, `arn:aws:kms:<region>:<account>:key/<keyId>`. */
  arn: string
}

/**
 * Creates a symmetric encryption KMS key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT) in the client's region.
 * @example
 * const { keyId, arn } = await createKmsKey(createKMSClient())
 * @throws Error when KMS answers without key metadata; KMS errors pass through unchanged.
 */
export async function createKmsKey(
  kms: Pick<KMSClient, 'send'>,
  options: CreateKmsKeyOptions = {},
): Promise<TestKmsKey> {
  const { KeyMetadata: metadata } = await kms.send(
    new CreateKeyCommand({
      Description: options.description ?? 'ddb-encryption test key',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      MultiRegion: options.multiRegion ?? false,
    }),
  )
  if (!metadata?.KeyId || !metadata.Arn) throw new Error('CreateKey returned no KeyId/Arn; is the KMS endpoint a KMS emulator?')
  return Object.freeze({ keyId: metadata.KeyId, arn: metadata.Arn })
}

/** An alias created by {@link createKmsAlias}. */
export interface TestKmsAlias {
  /** `alias/<name>`. */
  aliasName: string
  /** `arn:aws:kms:<region>:<account>:alias/<name>`. */
  aliasArn: string
}

/**
 * Points a new alias at a key.
 * @param alias the alias name, which must start with `alias/` (KMS's rule), e.g. `alias/test-orders`.
 * @throws TypeError when `alias` does not start with `alias/`; KMS errors pass through unchanged.
 */
export async function createKmsAlias(
  kms: Pick<KMSClient, 'send'>,
  alias: string,
  keyId: string,
): Promise<TestKmsAlias> {
  if (!alias.startsWith('alias/')) throw new TypeError(`"alias" must start with "alias/" (got "${alias}").`)
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }))
  const { Aliases: aliases } = await kms.send(new ListAliasesCommand({ KeyId: keyId }))
  const found = aliases?.find((entry) => entry.AliasName === alias)
  if (!found?.AliasArn) throw new Error(`Alias ${alias} was created but ListAliases does not report its ARN.`)
  return Object.freeze({ aliasName: alias, aliasArn: found.AliasArn })
}

/**
 * Disables a key: Encrypt, GenerateDataKey and Decrypt with it then fail with DisabledException.
 * @throws KMS errors pass through unchanged.
 */
export async function disableKmsKey(kms: Pick<KMSClient, 'send'>, keyId: string): Promise<void> {
  await kms.send(new DisableKeyCommand({ KeyId: keyId }))
}
