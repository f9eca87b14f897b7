import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import type { SecretCipher } from '../../webhooks/secrets.js';

/** Prefix of KmsSecretCipher's output: `kms1.<base64 ciphertext blob>`. */
export const KMS_CIPHER_FORMAT = 'kms1';
/** KMS Encrypt takes at most 4,096 bytes of plaintext (webhook secrets are about 50). */
const MAX_PLAINTEXT_BYTES = 4096;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

let defaultKms: KMSClient | undefined;
/** The process-wide KMS client, built on first use (endpoint from AWS_ENDPOINT_URL_KMS, as for the others). */
function kmsClient(): KMSClient {
  defaultKms ??= new KMSClient({});
  return defaultKms;
}

export interface KmsSecretCipherOptions {
  /** Key id, ARN, alias name (`alias/...`) or alias ARN of a symmetric encryption key. */
  keyId: string;
  client?: KMSClient;
  /**
   * How long a decrypted secret is kept in memory (default 5 min; 0 disables). Each ciphertext is
   * unique, so the cache is keyed by ciphertext and context; it spares KMS a Decrypt per secret on every
   * endpoint read (listing a tenant's endpoints, signing each delivery attempt).
   */
  cacheTtlMs?: number;
  /** Entries kept at most (default 1,000); the oldest go first. */
  cacheSize?: number;
  now?: () => number;
}

/**
 * SecretCipher over AWS KMS: Encrypt/Decrypt with `context` as the EncryptionContext, so a ciphertext
 * only decrypts with the same context (and CloudTrail logs the context with every Decrypt). The output
 * is `kms1.<base64 CiphertextBlob>`; the blob names its key, but Decrypt is still given `keyId` so a
 * blob made under another key is refused rather than decrypted with whatever key it names.
 */
export class KmsSecretCipher implements SecretCipher {
  private readonly keyId: string;
  private readonly client: KMSClient;
  private readonly cacheTtlMs: number;
  private readonly cacheSize: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { plaintext: string; expires: number }>();

  constructor(options: KmsSecretCipherOptions) {
    if (!options.keyId) throw new TypeError('KmsSecretCipher needs a KMS key id');
    this.keyId = options.keyId;
    this.client = options.client ?? kmsClient();
    this.cacheTtlMs = options.cacheTtlMs ?? 5 * 60_000;
    this.cacheSize = options.cacheSize ?? 1000;
    this.now = options.now ?? Date.now;
  }

  async encrypt(plaintext: string, context: Record<string, string>): Promise<string> {
    const bytes = Buffer.from(plaintext, 'utf8');
    if (bytes.length === 0 || bytes.length > MAX_PLAINTEXT_BYTES) {
      throw new RangeError(`KMS encrypts 1-${MAX_PLAINTEXT_BYTES} bytes of plaintext`);
    }
    const out = await this.client.send(
      new EncryptCommand({ KeyId: this.keyId, Plaintext: bytes, EncryptionContext: context }),
    );
    if (!out.CiphertextBlob || out.CiphertextBlob.length === 0) throw new Error('KMS returned no ciphertext');
    const text = formatKmsCiphertext(out.CiphertextBlob);
    // The plaintext is known: a read right after this write (a rotation's response) needs no Decrypt.
    this.remember(cacheKeyOf(text, context), plaintext);
    return text;
  }

  async decrypt(text: string, context: Record<string, string>): Promise<string> {
    const blob = parseKmsCiphertext(text);
    const cacheKey = cacheKeyOf(text, context);
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expires > this.now()) return cached.plaintext;
    const out = await this.client.send(
      new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: blob, EncryptionContext: context }),
    );
    if (!out.Plaintext) throw new Error('KMS returned no plaintext');
    const plaintext = Buffer.from(out.Plaintext).toString('utf8');
    this.remember(cacheKey, plaintext);
    return plaintext;
  }

  private remember(cacheKey: string, plaintext: string): void {
    if (this.cacheTtlMs <= 0) return;
    this.cache.delete(cacheKey);
    while (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.set(cacheKey, { plaintext, expires: this.now() + this.cacheTtlMs });
  }
}

/** Ciphertext plus the context in key order (the order a caller builds it in does not matter). */
const cacheKeyOf = (text: string, context: Record<string, string>) =>
  `${text}\n${JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;

export function formatKmsCiphertext(blob: Uint8Array): string {
  return `${KMS_CIPHER_FORMAT}.${Buffer.from(blob).toString('base64')}`;
}

/** The ciphertext blob of a `kms1.` string; throws on anything else (never sends junk to KMS). */
export function parseKmsCiphertext(text: string): Uint8Array {
  const dot = text.indexOf('.');
  const format = dot < 0 ? text : text.slice(0, dot);
  const encoded = dot < 0 ? '' : text.slice(dot + 1);
  if (format !== KMS_CIPHER_FORMAT) throw new Error(`not a ${KMS_CIPHER_FORMAT} ciphertext`);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) {
    throw new Error(`a ${KMS_CIPHER_FORMAT} ciphertext is base64 after its prefix`);
  }
  return new Uint8Array(Buffer.from(encoded, 'base64'));
}
