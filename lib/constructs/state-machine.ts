import type { Duration } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  type IChainable,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.js';

/**
 * A Standard state machine as the pipeline runs them: named per stage, X-Ray tracing, every event logged
 * (inputs and outputs only where `logExecutionData`, i.e. dev) to its own log group. Creates `Logs` and
 * `StateMachine` under `scope`.
 */
export function standardStateMachine(
  scope: Construct,
  props: {
    config: StageConfig;
    name: string;
    definition: IChainable;
    timeout: Duration;
    logExecutionData: boolean;
  },
): { stateMachine: StateMachine; logGroup: LogGroup } {
  const logGroup = new LogGroup(scope, 'Logs', {
    // The vendedlogs prefix keeps CloudWatch Logs resource policies small (AWS's recommendation).
    logGroupName: `/aws/vendedlogs/states/${props.name}`,
    retention: props.config.logRetention,
    removalPolicy: props.config.removalPolicy,
  });
  const stateMachine = new StateMachine(scope, 'StateMachine', {
    stateMachineName: props.name,
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: DefinitionBody.fromChainable(props.definition),
    timeout: props.timeout,
    tracingEnabled: true,
    logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: props.logExecutionData },
  });
  return { stateMachine, logGroup };
}
