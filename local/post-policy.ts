import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * S3 browser-form POST policy verification (SigV4), as S3 does it: the signature over the base64 policy,
 * the expiration, every condition, no form field left uncovered, and the file size against
 * `content-length-range`. https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
export interface PostPolicyInput {
  /** The bucket from the request path. */
  bucket: string;
  /** Form fields before the file, names as sent (matched case-insensitively). */
  fields: Record<string, string>;
  /** The uploaded file's size in bytes. */
  fileSize: number;
  /** The secret for an access key id, undefined when the key is unknown. */
  secretFor: (accessKeyId: string) => string | undefined;
  now?: Date;
}

export type PostPolicyResult =
  | { ok: true; policy: { expiration: string; conditions: unknown[] } }
  | { ok: false; status: number; code: string; message: string; details?: Record<string, string | number> };

type Failure = Extract<PostPolicyResult, { ok: false }>;

/** Fields that never need a policy condition. */
const EXEMPT = new Set(['policy', 'x-amz-signature', 'file', 'awsaccesskeyid', 'signature']);

const deny = (message: string): Failure => ({
  ok: false,
  status: 403,
  code: 'AccessDenied',
  message: `Invalid according to Policy: ${message}`,
});
const invalidPolicy = (message: string): Failure => ({
  ok: false,
  status: 400,
  code: 'InvalidPolicyDocument',
  message: `Invalid Policy: ${message}`,
});

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Hex SigV4 signature of a POST policy (the string to sign is the base64 policy itself). */
export function signPolicy(
  policyBase64: string,
  secret: string,
  date: string,
  region: string,
  service = 's3',
) {
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return hmac(key, policyBase64).toString('hex');
}

/** S3 prints failed conditions like `["eq", "$key", "a.jpg"]`. */
function show(condition: unknown): string {
  return Array.isArray(condition)
    ? `[${condition.map((c) => JSON.stringify(c)).join(', ')}]`
    : JSON.stringify(condition);
}

export function checkPostPolicy(input: PostPolicyInput): PostPolicyResult {
  const fields = new Map(Object.entries(input.fields).map(([k, v]) => [k.toLowerCase(), v]));
  const policyBase64 = fields.get('policy');
  if (!policyBase64) return { ok: false, status: 403, code: 'AccessDenied', message: 'Access Denied' };

  const signatureCheck = checkSignature(policyBase64, fields, input.secretFor);
  if (signatureCheck) return signatureCheck;

  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    return invalidPolicy('Invalid JSON.');
  }
  if (!policy || typeof policy !== 'object') return invalidPolicy('Invalid JSON.');
  if (typeof policy.expiration !== 'string') return invalidPolicy('Policy missing expiration.');
  const expires = Date.parse(policy.expiration);
  if (Number.isNaN(expires)) return invalidPolicy(`Invalid 'expiration' value: '${policy.expiration}'`);
  if ((input.now ?? new Date()).getTime() > expires) return deny('Policy expired.');
  if (!Array.isArray(policy.conditions)) return invalidPolicy('Policy missing conditions.');

  const covered = new Set<string>();
  let range: [number, number] | undefined;
  const fieldValue = (name: string) => (name === 'bucket' ? input.bucket : (fields.get(name) ?? ''));
  for (const condition of policy.conditions) {
    if (Array.isArray(condition)) {
      const op = String(condition[0]).toLowerCase();
      if (op === 'content-length-range') {
        const [min, max] = [Number(condition[1]), Number(condition[2])];
        if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min)
          return invalidPolicy(`Invalid content-length-range: ${show(condition)}`);
        range = [min, max];
        continue;
      }
      const field = condition[1];
      if ((op !== 'eq' && op !== 'starts-with') || typeof field !== 'string' || !field.startsWith('$'))
        return invalidPolicy(`Invalid Condition: ${show(condition)}`);
      const name = field.slice(1).toLowerCase();
      const expected = String(condition[2] ?? '');
      const actual = fieldValue(name);
      covered.add(name);
      const pass =
        op === 'eq'
          ? actual === expected
          : name === 'content-type'
            ? actual.split(',').every((part) => part.trim().startsWith(expected))
            : actual.startsWith(expected);
      if (!pass) return deny(`Policy Condition failed: ${show(condition)}`);
    } else if (condition && typeof condition === 'object') {
      const entries = Object.entries(condition);
      if (entries.length !== 1) return invalidPolicy(`Invalid Condition: ${show(condition)}`);
      const [key, expected] = entries[0] as [string, unknown];
      const name = key.toLowerCase();
      covered.add(name);
      if (fieldValue(name) !== String(expected))
        return deny(`Policy Condition failed: ${show(['eq', `$${key}`, expected])}`);
    } else {
      return invalidPolicy(`Invalid Condition: ${show(condition)}`);
    }
  }

  const extra = [...fields.keys()].filter((name) => !EXEMPT.has(name) && !name.startsWith('x-ignore-'));
  const uncovered = extra.filter((name) => !covered.has(name));
  if (uncovered.length) return deny(`Extra input fields: ${uncovered.join(', ')}`);

  if (range && input.fileSize > range[1])
    return {
      ok: false,
      status: 400,
      code: 'EntityTooLarge',
      message: 'Your proposed upload exceeds the maximum allowed size',
      details: { ProposedSize: input.fileSize, MaxSizeAllowed: range[1] },
    };
  if (range && input.fileSize < range[0])
    return {
      ok: false,
      status: 400,
      code: 'EntityTooSmall',
      message: 'Your proposed upload is smaller than the minimum allowed size',
      details: { ProposedSize: input.fileSize, MinSizeAllowed: range[0] },
    };
  return { ok: true, policy: policy as { expiration: string; conditions: unknown[] } };
}

function checkSignature(
  policyBase64: string,
  fields: Map<string, string>,
  secretFor: (accessKeyId: string) => string | undefined,
): Failure | undefined {
  const algorithm = fields.get('x-amz-algorithm');
  if (algorithm !== 'AWS4-HMAC-SHA256')
    return {
      ok: false,
      status: 400,
      code: 'InvalidArgument',
      message: algorithm
        ? `Unsupported algorithm: ${algorithm}`
        : 'Bucket POST must contain a field named x-amz-algorithm (only SigV4 policies are supported locally)',
    };
  const credential = fields.get('x-amz-credential') ?? '';
  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || !/^\d{8}$/.test(date ?? '') || service !== 's3' || terminator !== 'aws4_request')
    return {
      ok: false,
      status: 400,
      code: 'InvalidArgument',
      message: `Invalid credential: '${credential}'. Expected '<key>/<yyyymmdd>/<region>/s3/aws4_request'`,
    };
  const amzDate = fields.get('x-amz-date') ?? '';
  if (!amzDate.startsWith(date as string))
    return {
      ok: false,
      status: 400,
      code: 'InvalidArgument',
      message: `x-amz-date '${amzDate}' does not match the credential date '${date}'`,
    };
  const secret = secretFor(accessKeyId as string);
  if (secret === undefined)
    return {
      ok: false,
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
      details: { AWSAccessKeyId: accessKeyId as string },
    };
  const expected = Buffer.from(signPolicy(policyBase64, secret, date as string, region as string));
  const provided = Buffer.from((fields.get('x-amz-signature') ?? '').toLowerCase());
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected))
    return {
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  return undefined;
}

/** An S3 error document. */
export function s3ErrorXml(
  code: string,
  message: string,
  details: Record<string, string | number> = {},
): string {
  const xml = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const extra = Object.entries(details)
    .map(([k, v]) => `<${k}>${xml(String(v))}</${k}>`)
    .join('');
  const requestId = Math.random().toString(16).slice(2, 18).toUpperCase();
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`;
}
