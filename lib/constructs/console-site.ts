import { execFileSync } from 'node:child_process';
import { type CfnElement, DockerImage, Duration, Fn, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleContentSecurityPolicy } from '../../console/csp.js';
import { acknowledgeNag } from '../nag.js';
import { fromRoot } from '../paths.js';
import { hardenedBucketProps } from './storage.js';

export interface ConsoleSiteProps {
  /** The HTTP API's base URL, written to the site's config.json. */
  apiUrl: string;
  /** Buckets the console reads previews from and uploads to (presigned URLs), allowed by its CSP. */
  mediaBuckets: IBucket[];
  accessLogs: IBucket;
  removalPolicy: RemovalPolicy;
  autoDeleteObjects: boolean;
}

/**
 * The operator console as a static site: a private bucket behind CloudFront (origin access control),
 * deployed from console/ (bundled by console/build.ts at synth), with a config.json naming the API. Every
 * answer carries the console's CSP (frame-ancestors 'none'), X-Frame-Options DENY, HSTS and no referrer.
 * The user pastes an API key at sign-in; the API's CORS must allow the site (corsAllowedOrigins).
 */
export class ConsoleSite extends Construct {
  readonly distribution: Distribution;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const bucket = new Bucket(this, 'Files', {
      ...hardenedBucketProps(props),
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'console/',
    });
    // The API's origin: scheme and host of its URL (https://{id}.execute-api.{region}.amazonaws.com/).
    const apiOrigin = Fn.join('', ['https://', Fn.select(2, Fn.split('/', props.apiUrl))]);
    const csp = consoleContentSecurityPolicy({
      api: [apiOrigin],
      storage: props.mediaBuckets.map((b) => `https://${b.bucketRegionalDomainName}`),
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'media-pipeline console: CSP, no framing, HSTS',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'media-pipeline console',
      defaultRootObject: 'index.html',
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
    new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      sources: [
        Source.asset(fromRoot('console'), {
          exclude: ['dist', 'README.md'],
          bundling: {
            // Bundled on this machine (esbuild); the image is only CDK's fallback where local bundling fails.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:20'),
            local: {
              tryBundle(outputDir) {
                execFileSync(process.execPath, ['--import', 'tsx', fromRoot('console/build.ts'), outputDir], {
                  stdio: 'inherit',
                });
                return true;
              },
            },
          },
        }),
        Source.jsonData('config.json', { apiUrl: props.apiUrl }),
      ],
    });
    acknowledgeDeploymentFunction(this, bucket);
    acknowledgeNag(this, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The console is an operator tool behind API keys; it serves static files to any country.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'Static files only: every API call is authenticated by the API, so no WAF is put in front.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'CloudFront standard logs need an ACL-enabled bucket; the site bucket’s S3 access logs record every origin read.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason: 'The default CloudFront certificate (no custom domain) cannot set a minimum TLS version.',
      },
    ]);
  }
}

/** CDK's BucketDeployment handler: one singleton function per stack, outside this construct's subtree. */
function acknowledgeDeploymentFunction(scope: Construct, siteBucket: Bucket): void {
  const stack = Stack.of(scope);
  const handler = stack.node.children.find((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  if (!handler) return;
  const reason =
    'CDK’s own BucketDeployment handler (a Python runtime CDK pins; basic execution role; read of the CDK ' +
    'asset bucket, write of the site bucket, CloudFront invalidation, which takes no resource).';
  const iam5 = [
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    'Resource::*',
    `Resource::<${stack.getLogicalId(siteBucket.node.defaultChild as CfnElement)}.Arn>/*`,
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
  ];
  acknowledgeNag(handler, [
    { id: 'AwsSolutions-L1', reason },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason,
    },
    ...iam5.map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason })),
  ]);
}
