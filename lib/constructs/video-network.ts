import {
  FlowLogDestination,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.js';

/**
 * Where transcoder tasks run: a VPC with isolated subnets only (no NAT, no internet gateway), gateway
 * endpoints for S3 and DynamoDB, interface endpoints for what else the task calls, flow logs, and a
 * security group allowing HTTPS out only. A URL in a source could not reach the internet from here.
 */
export class TranscodeNetwork extends Construct {
  readonly vpc: Vpc;
  readonly taskSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: { config: StageConfig }) {
    super(scope, id);
    const { config } = props;

    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'transcode', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
      gatewayEndpoints: {
        S3: { service: GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    vpc.addFlowLog('FlowLogs', {
      destination: FlowLogDestination.toCloudWatchLogs(
        new LogGroup(this, 'FlowLogGroup', {
          retention: config.logRetention,
          removalPolicy: config.removalPolicy,
        }),
      ),
    });
    // Pulling the image, writing logs, publishing job events (the outbox publishes right after a write).
    const endpoints = {
      EcrApi: InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      Events: InterfaceVpcEndpointAwsService.EVENTBRIDGE,
    };
    for (const [name, service] of Object.entries(endpoints))
      vpc.addInterfaceEndpoint(name, { service, privateDnsEnabled: true, open: true });
    this.vpc = vpc;

    this.taskSecurityGroup = new SecurityGroup(this, 'TaskSecurityGroup', {
      vpc,
      description:
        'Transcoder tasks: HTTPS out to the VPC endpoints only (the subnets have no internet route).',
      allowAllOutbound: false,
    });
    this.taskSecurityGroup.addEgressRule(Peer.ipv4(vpc.vpcCidrBlock), Port.tcp(443), 'interface endpoints');
    // S3 and DynamoDB are gateway endpoints: reached through the route table, at AWS addresses.
    this.taskSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'S3/DynamoDB gateway endpoints');
  }
}
