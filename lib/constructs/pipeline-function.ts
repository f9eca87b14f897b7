import { Duration } from 'aws-cdk-lib';
import { Architecture, type CfnFunction, type ILayerVersion, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type EnvSettings, environmentOf } from '../../src/contract/env.js';
import { ENTRY_METADATA, HANDLER_METADATA } from '../../src/contract/template-metadata.js';
import type { FunctionSettings, StageConfig } from '../config.js';
import { acknowledgeNag } from '../nag.js';
import { fromRoot, PROJECT_ROOT } from '../paths.js';

export const SERVICE_NAME = 'media-pipeline';

export const LAMBDA_RUNTIME = Runtime.NODEJS_22_X;
export const LAMBDA_ARCHITECTURE = Architecture.ARM_64;

/**
 * esbuild's ESM output has no `require`; CommonJS dependencies (parts of the AWS SDK, middy) call it
 * for Node built-ins, so the bundle defines one.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __mpCreateRequire } from 'node:module'; const require = __mpCreateRequire(import.meta.url);";

export interface PipelineFunctionProps {
  /** Project-relative entry file exporting `handler`, e.g. `lambdas/api/handler.ts`. Never imported here. */
  entry: string;
  description: string;
  settings: FunctionSettings;
  config: StageConfig;
  environment: EnvSettings;
  /** Modules left out of the bundle (provided by a layer). The AWS SDK v3 is bundled, pinned by the lockfile. */
  externalModules?: string[];
  layers?: ILayerVersion[];
}

/**
 * A Lambda function as every function of the pipeline is built: Node.js 22 on arm64 (Graviton: cheaper per
 * GB-second, and sharp/libvips ship arm64 builds), an ESM esbuild bundle with source maps, X-Ray active
 * tracing, Powertools settings, and its own log group with the stage's retention.
 */
export class PipelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const { config, settings } = props;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });

    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: fromRoot(props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: fromRoot('package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      memorySize: settings.memoryMb,
      timeout: Duration.seconds(settings.timeoutSeconds),
      reservedConcurrentExecutions: settings.reservedConcurrency,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      layers: props.layers,
      environment: {
        ...environmentOf({
          ...props.environment,
          stage: config.stage,
          // One service for all functions: a variable has one value across the stack (the local runtime runs
          // all handlers in one process). Logs and traces still tell functions apart by function name.
          powertoolsServiceName: SERVICE_NAME,
          powertoolsMetricsNamespace: 'MediaPipeline',
          powertoolsLogLevel: config.logLevel,
        }),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        banner: ESM_REQUIRE_BANNER,
        externalModules: props.externalModules ?? [],
        tsconfig: fromRoot('tsconfig.json'),
      },
    });

    const cfn = this.function.node.defaultChild as CfnFunction;
    cfn.addMetadata(ENTRY_METADATA, props.entry);
    cfn.addMetadata(HANDLER_METADATA, 'handler');

    acknowledgeNag(this, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is chosen deliberately (the sharp layer is built in the nodejs22.x image; the code runs ' +
          'on Node 20 and 22). A runtime upgrade is a reviewed change, not an automatic one.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only allows writing CloudWatch Logs (to the function log group).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level ' +
          'permissions.',
      },
    ]);
  }
}
