import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendAwsJson } from './http-util.js';
import { ACCOUNT_ID, type Json, type LocalTemplate, REGION } from './template.js';

/**
 * KMS on this machine (AWS JSON 1.1, `X-Amz-Target: TrentService.<Operation>`, AWS_ENDPOINT_URL_KMS) for the
 * template's `AWS::KMS::Key`s and `AWS::KMS::Alias`es: Encrypt, Decrypt, GenerateDataKey,
 * GenerateDataKeyWithoutPlaintext and DescribeKey, for symmetric (SYMMETRIC_DEFAULT) keys.
 *
 * Each key's material is derived (HKDF-SHA256) from a secret made at start, or given (a durable stack keeps
 * it in its data folder, so ciphertexts stored in DynamoDB decrypt after a restart). Ciphertext blobs are AES-256-GCM:
 * version byte, key id, IV, tag, ciphertext; the canonical EncryptionContext is the additional
 * authenticated data, so Decrypt with another context fails with InvalidCiphertextException, as in KMS.
 */
export interface LocalKey {
  logicalId: string;
  keyId: string;
  arn: string;
  enabled: boolean;
  keySpec: string;
  keyUsage: string;
  description: string;
}

export class KmsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const VERSION = 0x01;
const KEY_ID_BYTES = 36;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_PLAINTEXT_BYTES = 4096;

/** Every AWS::KMS::Key of the template, and the aliases (`alias/...`) that name them. */
export function readKmsKeys(template: LocalTemplate): { keys: LocalKey[]; aliases: Record<string, string> } {
  const keys = template.ofType('AWS::KMS::Key').map(([id, r]): LocalKey => {
    const props = template.resolve(r.Properties ?? {});
    return {
      logicalId: id,
      keyId: template.physicalName(id),
      arn: template.arn(id),
      enabled: props.Enabled !== false && props.Enabled !== 'false',
      keySpec: String(props.KeySpec ?? 'SYMMETRIC_DEFAULT'),
      keyUsage: String(props.KeyUsage ?? 'ENCRYPT_DECRYPT'),
      description: String(props.Description ?? ''),
    };
  });
  const aliases: Record<string, string> = {};
  for (const [id, r] of template.ofType('AWS::KMS::Alias')) {
    const props = template.resolve(r.Properties ?? {});
    const target = String(props.TargetKeyId ?? '');
    const key = keys.find((k) => k.keyId === target || k.arn === target);
    if (!key) throw new Error(`KMS alias ${id} targets unknown key ${target}`);
    aliases[String(props.AliasName)] = key.keyId;
  }
  return { keys, aliases };
}

/** The EncryptionContext as bytes: keys sorted, so the order a client sends them in does not matter. */
export function canonicalContext(context: unknown): Buffer {
  if (context === undefined || context === null) return Buffer.alloc(0);
  if (typeof context !== 'object' || Array.isArray(context))
    throw new KmsApiError('ValidationException', 'EncryptionContext must be a map of strings');
  const entries = Object.entries(context as Record<string, unknown>);
  for (const [, v] of entries)
    if (typeof v !== 'string')
      throw new KmsApiError('ValidationException', 'EncryptionContext values must be strings');
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? Buffer.from(JSON.stringify(entries)) : Buffer.alloc(0);
}

function base64Field(body: Json, name: string, max: number): Buffer {
  const value = body?.[name];
  if (typeof value !== 'string' || !value)
    throw new KmsApiError(
      'ValidationException',
      `1 validation error detected: Value at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 1 || bytes.length > max)
    throw new KmsApiError(
      'ValidationException',
      `1 validation error detected: Value at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must have length between 1 and ${max}`,
    );
  return bytes;
}

export class LocalKms {
  private readonly material = new Map<string, Buffer>();

  constructor(
    readonly keys: LocalKey[],
    readonly aliases: Record<string, string> = {},
    secret: Buffer | undefined = undefined,
  ) {
    secret ??= randomBytes(32);
    for (const key of keys)
      this.material.set(
        key.keyId,
        Buffer.from(hkdfSync('sha256', secret, Buffer.from(key.keyId), 'media-pipeline local kms', 32)),
      );
  }

  /** A key by id, key ARN, alias name or alias ARN; NotFoundException otherwise. */
  key(keyRef: unknown): LocalKey {
    if (typeof keyRef !== 'string' || !keyRef)
      throw new KmsApiError(
        'ValidationException',
        "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must not be null",
      );
    const aliasArn = /^arn:aws[\w-]*:kms:[^:]*:[^:]*:(alias\/.+)$/.exec(keyRef)?.[1];
    const alias = aliasArn ?? (keyRef.startsWith('alias/') ? keyRef : undefined);
    if (alias) {
      const keyId = this.aliases[alias];
      const key = this.keys.find((k) => k.keyId === keyId);
      if (!key)
        throw new KmsApiError(
          'NotFoundException',
          `Alias arn:aws:kms:${REGION}:${ACCOUNT_ID}:${alias} is not found.`,
        );
      return key;
    }
    const keyId = /^arn:aws[\w-]*:kms:[^:]*:[^:]*:key\/(.+)$/.exec(keyRef)?.[1] ?? keyRef;
    const key = this.keys.find((k) => k.keyId === keyId);
    if (!key)
      throw new KmsApiError(
        'NotFoundException',
        `Key 'arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${keyId}' does not exist`,
      );
    return key;
  }

  private usable(key: LocalKey): Buffer {
    if (!key.enabled) throw new KmsApiError('DisabledException', `${key.arn} is disabled.`);
    if (key.keyUsage !== 'ENCRYPT_DECRYPT' || key.keySpec !== 'SYMMETRIC_DEFAULT')
      throw new KmsApiError(
        'UnsupportedOperationException',
        `${key.arn} is a ${key.keySpec} ${key.keyUsage} key; the local runtime encrypts with SYMMETRIC_DEFAULT keys only`,
      );
    return this.material.get(key.keyId) as Buffer;
  }

  private checkAlgorithm(body: Json) {
    if (body?.EncryptionAlgorithm !== undefined && body.EncryptionAlgorithm !== 'SYMMETRIC_DEFAULT')
      throw new KmsApiError(
        'InvalidKeyUsageException',
        `The encryption algorithm ${body.EncryptionAlgorithm} is not compatible with the key spec SYMMETRIC_DEFAULT`,
      );
  }

  encrypt(keyRef: unknown, plaintext: Buffer, context: unknown): { key: LocalKey; blob: Buffer } {
    const key = this.key(keyRef);
    const material = this.usable(key);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', material, iv);
    cipher.setAAD(canonicalContext(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const blob = Buffer.concat([
      Buffer.from([VERSION]),
      Buffer.from(key.keyId),
      iv,
      cipher.getAuthTag(),
      ciphertext,
    ]);
    return { key, blob };
  }

  decrypt(blob: Buffer, context: unknown, keyRef?: unknown): { key: LocalKey; plaintext: Buffer } {
    const header = 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;
    if (blob.length <= header || blob[0] !== VERSION) throw new KmsApiError('InvalidCiphertextException', '');
    const keyId = blob.subarray(1, 1 + KEY_ID_BYTES).toString('latin1');
    const key = this.keys.find((k) => k.keyId === keyId);
    if (!key) throw new KmsApiError('InvalidCiphertextException', '');
    if (keyRef !== undefined && this.key(keyRef).keyId !== key.keyId)
      throw new KmsApiError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
    const material = this.usable(key);
    const iv = blob.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES);
    const tag = blob.subarray(1 + KEY_ID_BYTES + IV_BYTES, header);
    try {
      const decipher = createDecipheriv('aes-256-gcm', material, iv);
      decipher.setAAD(canonicalContext(context));
      decipher.setAuthTag(tag);
      return { key, plaintext: Buffer.concat([decipher.update(blob.subarray(header)), decipher.final()]) };
    } catch (error) {
      if (error instanceof KmsApiError) throw error;
      throw new KmsApiError('InvalidCiphertextException', '');
    }
  }

  private dataKeyLength(body: Json): number {
    const spec = body?.KeySpec;
    const bytes = body?.NumberOfBytes;
    if ((spec === undefined) === (bytes === undefined))
      throw new KmsApiError('ValidationException', 'Please specify either number of bytes or key spec.');
    if (spec !== undefined) {
      if (spec === 'AES_256') return 32;
      if (spec === 'AES_128') return 16;
      throw new KmsApiError(
        'ValidationException',
        `1 validation error detected: Value '${spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]`,
      );
    }
    const n = Number(bytes);
    if (!Number.isInteger(n) || n < 1 || n > 1024)
      throw new KmsApiError(
        'ValidationException',
        `1 validation error detected: Value '${bytes}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024`,
      );
    return n;
  }

  /** One operation of the KMS JSON protocol. */
  operation(name: string, body: Json): unknown {
    switch (name) {
      case 'Encrypt': {
        this.checkAlgorithm(body);
        const plaintext = base64Field(body, 'Plaintext', MAX_PLAINTEXT_BYTES);
        const { key, blob } = this.encrypt(body?.KeyId, plaintext, body?.EncryptionContext);
        return {
          CiphertextBlob: blob.toString('base64'),
          KeyId: key.arn,
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        };
      }
      case 'Decrypt': {
        this.checkAlgorithm(body);
        const blob = base64Field(body, 'CiphertextBlob', 6144);
        const { key, plaintext } = this.decrypt(blob, body?.EncryptionContext, body?.KeyId);
        return {
          KeyId: key.arn,
          Plaintext: plaintext.toString('base64'),
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        };
      }
      case 'GenerateDataKey':
      case 'GenerateDataKeyWithoutPlaintext': {
        const length = this.dataKeyLength(body);
        const plaintext = randomBytes(length);
        const { key, blob } = this.encrypt(body?.KeyId, plaintext, body?.EncryptionContext);
        return {
          CiphertextBlob: blob.toString('base64'),
          KeyId: key.arn,
          ...(name === 'GenerateDataKey' ? { Plaintext: plaintext.toString('base64') } : {}),
        };
      }
      case 'DescribeKey': {
        const key = this.key(body?.KeyId);
        return {
          KeyMetadata: {
            AWSAccountId: ACCOUNT_ID,
            KeyId: key.keyId,
            Arn: key.arn,
            CreationDate: 0,
            Enabled: key.enabled,
            Description: key.description,
            KeyUsage: key.keyUsage,
            KeyState: key.enabled ? 'Enabled' : 'Disabled',
            Origin: 'AWS_KMS',
            KeyManager: 'CUSTOMER',
            KeySpec: key.keySpec,
            CustomerMasterKeySpec: key.keySpec,
            EncryptionAlgorithms: key.keySpec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : [],
            MultiRegion: false,
          },
        };
      }
    }
    throw new KmsApiError(
      'UnsupportedOperationException',
      `operation ${name} is not supported by the local runtime`,
    );
  }
}

export interface KmsFront {
  endpoint: string;
  kms: LocalKms;
  stop(): Promise<void>;
}

const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) =>
  sendAwsJson(res, '1.1', status, body, errorType);

export async function startKmsFront(kms: LocalKms, port = 0): Promise<KmsFront> {
  const server: Server = createServer(async (req, res) => {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
      if (req.method !== 'POST' || !target.startsWith('TrentService.'))
        throw new KmsApiError(
          'UnsupportedOperationException',
          'expected a POST with X-Amz-Target TrentService.*',
        );
      let body: Json = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        throw new KmsApiError('SerializationException', 'the request body is not JSON');
      }
      send(res, 200, kms.operation(target.slice('TrentService.'.length), body));
    } catch (error) {
      const code = error instanceof KmsApiError ? error.code : 'KMSInternalException';
      const status = code === 'KMSInternalException' ? 500 : 400;
      send(res, status, { __type: code, message: (error as Error).message }, code);
    }
  });
  const endpoint = await listen(server, port);
  return { endpoint, kms, stop: () => closeServer(server) };
}
