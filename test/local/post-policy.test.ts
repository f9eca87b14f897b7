import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { describe, expect, it } from 'vitest';
import { checkPostPolicy, type PostPolicyInput, s3ErrorXml, signPolicy } from '../../local/post-policy.js';
import type { Json } from '../../local/template.js';

const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
const secretFor = (key: string) => (key === 'S3RVER' ? 'S3RVER' : undefined);

async function presigned(
  options: { Key?: string; Conditions?: Json[]; Fields?: Record<string, string>; Expires?: number } = {},
) {
  const { fields } = await createPresignedPost(s3, {
    Bucket: 'uploads',
    Key: options.Key ?? 't/acme/in/photo.jpg',
    Conditions: options.Conditions ?? [
      ['content-length-range', 1, 1000],
      ['starts-with', '$Content-Type', 'image/'],
    ],
    Fields: options.Fields,
    Expires: options.Expires ?? 60,
  });
  return fields;
}

function check(fields: Record<string, string>, overrides: Partial<PostPolicyInput> = {}) {
  return checkPostPolicy({ bucket: 'uploads', fields, fileSize: 500, secretFor, ...overrides });
}

describe('S3 POST policy', () => {
  it('accepts a form the SDK presigned, within every condition', async () => {
    const fields = await presigned();
    expect(check({ ...fields, 'Content-Type': 'image/jpeg' })).toMatchObject({ ok: true });
  });

  it('matches field names case-insensitively, as S3 does', async () => {
    const fields = await presigned();
    const lowered = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
    expect(check({ ...lowered, 'content-type': 'image/png' }).ok).toBe(true);
  });

  it('rejects sizes outside content-length-range with EntityTooLarge / EntityTooSmall', async () => {
    const fields: Record<string, string> = { ...(await presigned()), 'Content-Type': 'image/jpeg' };
    expect(check(fields, { fileSize: 1001 })).toMatchObject({
      ok: false,
      status: 400,
      code: 'EntityTooLarge',
      details: { ProposedSize: 1001, MaxSizeAllowed: 1000 },
    });
    expect(check(fields, { fileSize: 0 })).toMatchObject({ status: 400, code: 'EntityTooSmall' });
    expect(check(fields, { fileSize: 1000 }).ok).toBe(true);
  });

  it('rejects a content type outside the starts-with condition', async () => {
    const result = check({ ...(await presigned()), 'Content-Type': 'text/html' });
    expect(result).toMatchObject({
      ok: false,
      status: 403,
      code: 'AccessDenied',
      message:
        'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]',
    });
  });

  it('checks eq conditions, including the object form and the bucket from the path', async () => {
    const fields = await presigned({ Conditions: [['eq', '$Content-Type', 'image/png']] });
    expect(check({ ...fields, 'Content-Type': 'image/png' }).ok).toBe(true);
    expect(check({ ...fields, 'Content-Type': 'image/pngx' })).toMatchObject({ status: 403 });
    expect(check({ ...fields, 'Content-Type': 'image/png', key: 't/other/x.jpg' })).toMatchObject({
      status: 403,
      message: expect.stringContaining('["eq", "$key", "t/acme/in/photo.jpg"]'),
    });
    expect(check({ ...fields, 'Content-Type': 'image/png' }, { bucket: 'elsewhere' })).toMatchObject({
      status: 403,
      message: expect.stringContaining('$bucket'),
    });
  });

  it('honours a key prefix (the $filename form)', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's own placeholder
    const fields = await presigned({ Key: 't/acme/in/${filename}', Conditions: [] });
    expect(check({ ...fields, key: 't/acme/in/cat.jpg' }).ok).toBe(true);
    expect(check({ ...fields, key: 't/evil/cat.jpg' })).toMatchObject({
      status: 403,
      message: 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "t/acme/in/"]',
    });
  });

  it('rejects an expired policy', async () => {
    const fields: Record<string, string> = {
      ...(await presigned({ Expires: -1 })),
      'Content-Type': 'image/jpeg',
    };
    expect(check(fields)).toMatchObject({
      status: 403,
      message: 'Invalid according to Policy: Policy expired.',
    });
  });

  it('rejects form fields the policy does not mention', async () => {
    const fields: Record<string, string> = {
      ...(await presigned()),
      'Content-Type': 'image/jpeg',
      'x-amz-meta-owner': 'mallory',
    };
    expect(check(fields)).toMatchObject({
      status: 403,
      message: 'Invalid according to Policy: Extra input fields: x-amz-meta-owner',
    });
    const { 'x-amz-meta-owner': _owner, ...covered } = fields;
    expect(check({ ...covered, 'x-ignore-me': '1' }).ok).toBe(true);
  });

  it('verifies the SigV4 signature over the policy', async () => {
    const fields: Record<string, string> = { ...(await presigned()), 'Content-Type': 'image/jpeg' };
    const signature = fields['X-Amz-Signature'] as string;
    const tampered = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    expect(check({ ...fields, 'X-Amz-Signature': tampered })).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    // A policy edited after signing (a larger size range) no longer matches its signature.
    const policy = JSON.parse(Buffer.from(fields.Policy as string, 'base64').toString());
    policy.conditions[0] = ['content-length-range', 1, 10_000_000];
    const forged = Buffer.from(JSON.stringify(policy)).toString('base64');
    expect(check({ ...fields, Policy: forged })).toMatchObject({ code: 'SignatureDoesNotMatch' });
    // Signed with another secret.
    const [, date, region] = (fields['X-Amz-Credential'] as string).split('/');
    const wrongSecret = signPolicy(
      fields.Policy as string,
      'not-the-secret',
      date as string,
      region as string,
    );
    expect(check({ ...fields, 'X-Amz-Signature': wrongSecret })).toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('rejects unknown access keys, malformed credentials and forms without a policy', async () => {
    const fields: Record<string, string> = { ...(await presigned()), 'Content-Type': 'image/jpeg' };
    const credential = fields['X-Amz-Credential'] as string;
    expect(check({ ...fields, 'X-Amz-Credential': credential.replace('S3RVER', 'AKIAOTHER') })).toMatchObject(
      {
        status: 403,
        code: 'InvalidAccessKeyId',
      },
    );
    expect(check({ ...fields, 'X-Amz-Credential': credential.replace('/s3/', '/sqs/') })).toMatchObject({
      status: 400,
      code: 'InvalidArgument',
    });
    const { Policy: _policy, ...withoutPolicy } = fields;
    expect(check(withoutPolicy)).toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('reports a policy that is not JSON or lacks an expiration as InvalidPolicyDocument', () => {
    const sign = (policy: string) => {
      const date = '20260101';
      return {
        Policy: policy,
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': `S3RVER/${date}/us-east-1/s3/aws4_request`,
        'X-Amz-Date': `${date}T000000Z`,
        'X-Amz-Signature': signPolicy(policy, 'S3RVER', date, 'us-east-1'),
      };
    };
    expect(check(sign(Buffer.from('{nope').toString('base64')))).toMatchObject({
      status: 400,
      code: 'InvalidPolicyDocument',
    });
    expect(check(sign(Buffer.from('{"conditions":[]}').toString('base64')))).toMatchObject({
      message: 'Invalid Policy: Policy missing expiration.',
    });
  });

  it('renders S3 error documents', () => {
    expect(s3ErrorXml('EntityTooLarge', 'too <big>', { MaxSizeAllowed: 10 })).toMatch(
      /<Error><Code>EntityTooLarge<\/Code><Message>too &lt;big&gt;<\/Message><MaxSizeAllowed>10<\/MaxSizeAllowed><RequestId>/,
    );
  });
});
