import { type CfnResource, Duration } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  HttpMethods,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TENANT_PREFIX, UPLOADS_PREFIX } from '../../src/core/keys.js';
import type { StageConfig } from '../config.js';
import { acknowledgeNag } from '../nag.js';

export { TENANT_PREFIX };

/** Every bucket of the stack: public access blocked, SSE-S3, TLS only, no ACLs, the stage's removal policy. */
export function hardenedBucketProps(
  config: Pick<StageConfig, 'removalPolicy' | 'autoDeleteObjects'>,
): BucketProps {
  return {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    // Server access logs can only be delivered to SSE-S3 buckets; the data buckets match for simplicity.
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: config.removalPolicy,
    autoDeleteObjects: config.autoDeleteObjects,
  };
}

export interface StorageProps {
  config: StageConfig;
}

/**
 * The uploads bucket (presigned POST target, S3 events to the ingest queue, abandoned uploads expire),
 * the outputs bucket (renditions, read through presigned GET URLs) and their server access log bucket.
 * All three: public access blocked, SSE-S3, TLS-only bucket policy, no ACLs.
 */
export class Storage extends Construct {
  readonly uploads: Bucket;
  readonly outputs: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const { config } = props;
    const versionRules: LifecycleRule[] = config.versionedBuckets
      ? [
          {
            id: 'expire-noncurrent-versions',
            noncurrentVersionExpiration: Duration.days(config.noncurrentVersionDays),
            expiredObjectDeleteMarker: true,
          },
        ]
      : [];
    const common: BucketProps = {
      ...hardenedBucketProps(config),
      // prod keeps overwritten and deleted objects for a while (outputs are rewritten on a retry).
      versioned: config.versionedBuckets,
    };

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(config.accessLogExpiryDays) },
        ...versionRules,
      ],
    });
    acknowledgeNag(this.accessLogs, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'This is the server access log target of the uploads and outputs buckets; logging it would loop.',
      },
    ]);

    this.uploads = new Bucket(this, 'Uploads', {
      ...common,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'uploads/',
      cors: [
        {
          // Browsers upload with the presigned POST form (and PUT for presigned multipart parts).
          allowedMethods: [HttpMethods.POST, HttpMethods.PUT],
          allowedOrigins: config.corsAllowedOrigins,
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag', 'Location'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Uploads are inputs, not the archive: unprocessed (abandoned) or processed, they go after N days,
        // the presigned ones (uploads/) and the tenants' own sources (t/) alike.
        ...[UPLOADS_PREFIX, TENANT_PREFIX].map((prefix) => ({
          id: `expire-${prefix.replace('/', '')}`,
          prefix,
          expiration: Duration.days(config.abandonedUploadExpiryDays),
        })),
        ...versionRules,
      ],
    });

    this.outputs = new Bucket(this, 'Outputs', {
      ...common,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'outputs/',
      cors: [
        {
          allowedMethods: [HttpMethods.GET, HttpMethods.HEAD],
          allowedOrigins: config.corsAllowedOrigins,
          allowedHeaders: ['*'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // The transcoder's per-attempt result documents, read once by the finalize step.
        { id: 'expire-transcode-results', prefix: 'work/', expiration: Duration.days(7) },
        ...versionRules,
      ],
    });

    // Stable logical ids: the local runtime and operators find the buckets by name, and a refactor of the
    // construct tree must never replace a bucket.
    (this.uploads.node.defaultChild as CfnResource).overrideLogicalId('UploadsBucket');
    (this.outputs.node.defaultChild as CfnResource).overrideLogicalId('OutputsBucket');
    (this.accessLogs.node.defaultChild as CfnResource).overrideLogicalId('AccessLogsBucket');
  }
}
