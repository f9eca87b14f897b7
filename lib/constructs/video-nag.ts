import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import { acknowledgeNag } from '../nag.js';

const logicalIdOf = (construct: IConstruct) =>
  Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;

/** How cdk-nag prints the ARN CDK builds for `task-definition/<family>:*` from the task definition's Ref. */
function taskDefinitionRevisionsArn(taskDefinitionId: string): string {
  const part = (index: number) =>
    `{"Fn::Select":[${index},{"Fn::Split":[":",{"Ref":"${taskDefinitionId}"}]}]}`;
  const resource = (index: number) =>
    `{"Fn::Select":[${index},{"Fn::Split":["/",{"Fn::Select":[5,{"Fn::Split":[":",{"Ref":"${taskDefinitionId}"}]}]}]}]}`;
  return `arn:${part(1)}:${part(2)}:${part(3)}:${part(4)}:${resource(0)}/${resource(1)}:*`;
}

/** cdk-nag findings of the video construct that are by design, each with its reason. */
export function acknowledgeVideoNag(
  scope: IConstruct,
  parts: {
    tasksFunction: IFunction;
    outputs: IBucket;
    uploads: IBucket;
    taskDefinition: FargateTaskDefinition;
  },
): void {
  const outputs = logicalIdOf(parts.outputs);
  const uploads = logicalIdOf(parts.uploads);
  acknowledgeNag(scope, [
    {
      id: 'AwsSolutions-EC23',
      reason:
        'Interface endpoint security groups allow 443 from the VPC’s own CIDR (an intrinsic cdk-nag cannot ' +
        'evaluate); the VPC has isolated subnets only, so nothing outside it can reach them.',
    },
    {
      id: 'AwsSolutions-ECS2',
      reason: 'The transcoder’s environment holds resource names and input limits only; it has no secrets.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${uploads}.Arn>/uploads/*]`,
      reason:
        'The transcoder reads job sources: presigned uploads, created per tenant and job under uploads/.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${uploads}.Arn>/t/*]`,
      reason: 'The transcoder reads job sources a tenant submitted from its own prefix t/{tenant}/.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${outputs}.Arn>/t/*]`,
      reason:
        'Video outputs are written (and deleted for failed or cancelled jobs) per tenant and job under ' +
        't/{tenant}/jobs/{jobId}/; no narrower static resource exists.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${outputs}.Arn>/work/*]`,
      reason: 'The transcoder’s per-attempt result documents, written by the task and read by finalize.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken (task execution role), X-Ray and CloudWatch Logs delivery (state machine) ' +
        'support no resource-level permissions.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::${taskDefinitionRevisionsArn(logicalIdOf(parts.taskDefinition))}]`,
      reason: 'ecs:RunTask on the revisions of the transcoder task definition only (as CDK grants it).',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(parts.tasksFunction)}.Arn>:*]`,
      reason: 'lambda:InvokeFunction on the video tasks function’s versions/aliases, as CDK grants it.',
    },
  ]);
}

/** The API stops executions of the video state machine (cancel): every execution of that machine. */
export function acknowledgeVideoStop(grantee: IConstruct, stateMachine: StateMachine): void {
  acknowledgeNag(grantee, [
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalIdOf(stateMachine)}"}]}]}:*]`,
      reason: 'A cancel stops the job’s execution: executions are named per job, of this state machine only.',
    },
  ]);
}
