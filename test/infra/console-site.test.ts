import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/app.js';
import { type Json, NO_BUNDLING, ofType, type Resources } from '../support/infra-template.js';

let template: Template;
let resources: Resources;

beforeAll(() => {
  const { stack } = createApp({ stage: 'prod', context: NO_BUNDLING });
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
});

describe('the console site (S3 + CloudFront)', () => {
  it('serves a private bucket through CloudFront origin access control, HTTPS only', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
      }),
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const [, site] = ofType(resources, 'AWS::S3::Bucket').find(([id]) => id.startsWith('ConsoleFiles')) ?? [];
    expect(site?.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('cannot be framed: CSP frame-ancestors none and X-Frame-Options DENY on every answer', () => {
    const [[, policy]] = ofType(resources, 'AWS::CloudFront::ResponseHeadersPolicy') as [[string, Json]];
    const security = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    const csp = JSON.stringify(security.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    // The API's origin and the media buckets are allowed to be called, nothing else.
    expect(csp).toContain('connect-src');
    expect(csp).toContain('RegionalDomainName');
    expect(security.StrictTransportSecurity).toMatchObject({ Override: true, IncludeSubdomains: true });
  });

  it('deploys the bundled console with a config.json naming the API, and outputs its URL', () => {
    const deployments = ofType(resources, 'Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(1);
    const [, deployment] = deployments[0] as [string, Json];
    // Two sources: the bundled files and config.json (whose API URL is a token resolved at deploy).
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    expect(JSON.stringify(deployment.Properties.SourceMarkers)).toContain('HttpApi');
    expect(deployment.Properties.DistributionPaths).toEqual(['/*']);
    template.hasOutput('ConsoleUrl', { Value: Match.anyValue() });
  });
});
