/**
 * Webhook signing secrets in the Standard Webhooks format: `whsec_` + base64 of random bytes (32 by
 * default, at least 24), and their encryption at rest through the `SecretCipher` port. The cloud
 * adapter wraps KMS (Encrypt/Decrypt with the same encryption context); `AesGcmSecretCipher` is the
 * local implementation, keyed by a 256-bit data key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const DEFAULT_SECRET_BYTES = 32;

export function generateWebhookSecret(bytes = DEFAULT_SECRET_BYTES): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > 64) {
    throw new RangeError(`a webhook secret has ${MIN_SECRET_BYTES}-64 random bytes`);
  }
  return `${SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`;
}

/** The HMAC key of a `whsec_` secret; throws if the format is wrong or the key is too short. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`a webhook secret starts with ${SECRET_PREFIX}`);
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error('a webhook secret is base64 after its prefix');
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES)
    throw new Error(`a webhook secret has at least ${MIN_SECRET_BYTES} bytes`);
  return key;
}

/**
 * Encryption at rest. `context` is bound to the ciphertext (KMS encryption context / GCM additional
 * data): pass e.g. { tenant, endpointId } so a ciphertext copied to another endpoint does not decrypt.
 */
export interface SecretCipher {
  encrypt(plaintext: string, context: Record<string, string>): Promise<string>;
  decrypt(ciphertext: string, context: Record<string, string>): Promise<string>;
}

const FORMAT = 'gcm1';
const canonical = (context: Record<string, string>) =>
  Buffer.from(
    JSON.stringify(
      Object.keys(context)
        .sort()
        .map((k) => [k, context[k]]),
    ),
    'utf8',
  );

/** AES-256-GCM with a random 96-bit IV; output `gcm1.<iv>.<tag>.<ciphertext>` (base64url parts). */
export class AesGcmSecretCipher implements SecretCipher {
  readonly #key: Buffer;

  constructor(dataKey: Uint8Array) {
    if (dataKey.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte data key');
    this.#key = Buffer.from(dataKey);
  }

  async encrypt(plaintext: string, context: Record<string, string>): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(canonical(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  async decrypt(text: string, context: Record<string, string>): Promise<string> {
    const [format, iv, tag, ciphertext, ...rest] = text.split('.');
    if (format !== FORMAT || !iv || !tag || ciphertext === undefined || rest.length > 0) {
      throw new Error('not a gcm1 ciphertext');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(canonical(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
