import { TASK_TOKEN_PLACEHOLDER } from './sfn-task-tokens.js';
import type { Json, LocalTemplate } from './template.js';

/**
 * The template's AWS::StepFunctions::StateMachine resources as the local runtime runs them: the definition
 * resolved to local ARNs, plus the adjustments aws-local-stepfunctions needs. What it cannot run is listed in
 * `problems`, so StartExecution of that machine fails with a clear reason instead of misbehaving.
 */
export interface TaskStateDefinition {
  Type: 'Task';
  Resource: string;
  Parameters?: Json;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
}

export interface LocalStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  type: 'STANDARD' | 'EXPRESS';
  roleArn: string;
  /** The resolved ASL, as AWS would hold it. */
  definitionString: string;
  /** The definition handed to aws-local-stepfunctions (Task timeouts defaulted, distributed Maps inline). */
  runnable: Record<string, Json>;
  /** Every Task state by name (overrides are keyed by state name, so names must be unique machine-wide). */
  tasks: Map<string, TaskStateDefinition>;
  /** Why the machine cannot run locally; empty when it can. */
  problems: string[];
  /** Features accepted but not honoured locally (logged at start). */
  warnings: string[];
}

/** setTimeout's ceiling (2^31-1 ms): a larger delay fires at once. AWS's own Task default is 99999999 s. */
export const MAX_TIMER_SECONDS = 2_147_483;

export function readStateMachines(template: LocalTemplate): LocalStateMachine[] {
  return template.ofType('AWS::StepFunctions::StateMachine').map(([id, r]) => {
    const props = r.Properties ?? {};
    const problems: string[] = [];
    let definitionString = '{}';
    if (props.DefinitionString !== undefined)
      definitionString = String(template.resolve(props.DefinitionString));
    else if (props.Definition !== undefined)
      definitionString = JSON.stringify(template.resolve(props.Definition));
    else problems.push('the definition is not inline (DefinitionS3Location is not supported locally)');
    const substitutions = template.resolve(props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    definitionString = definitionString.replace(/\$\{([^}]+)\}/g, (whole, key: string) =>
      key in substitutions ? String(substitutions[key]) : whole,
    );
    const machine: LocalStateMachine = {
      logicalId: id,
      name: template.physicalName(id),
      arn: template.arn(id),
      type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      roleArn: String(template.resolve(props.RoleArn) ?? ''),
      definitionString,
      runnable: {},
      tasks: new Map(),
      problems,
      warnings: [],
    };
    try {
      const definition = JSON.parse(definitionString) as Record<string, Json>;
      machine.runnable = prepare(definition, machine);
    } catch (error) {
      problems.push(`the definition is not valid JSON: ${(error as Error).message}`);
    }
    return machine;
  });
}

/** A copy of `definition` aws-local-stepfunctions can run; records problems and warnings on `machine`. */
function prepare(definition: Record<string, Json>, machine: LocalStateMachine): Record<string, Json> {
  const copy = structuredClone(definition);
  if (copy.QueryLanguage === 'JSONata')
    machine.problems.push('JSONata (QueryLanguage) is not supported locally');
  if (typeof copy.TimeoutSeconds === 'number' && copy.TimeoutSeconds > MAX_TIMER_SECONDS)
    copy.TimeoutSeconds = MAX_TIMER_SECONDS;
  walk(copy, machine, new Set());
  return copy;
}

function walk(graph: Record<string, Json>, machine: LocalStateMachine, seen: Set<string>): void {
  for (const [name, state] of Object.entries((graph.States ?? {}) as Record<string, Json>)) {
    const where = `state '${name}'`;
    if (seen.has(name)) machine.problems.push(`${where} is defined twice (state names must be unique)`);
    seen.add(name);
    if (state.QueryLanguage === 'JSONata' || 'Arguments' in state || 'Output' in state)
      machine.problems.push(`${where} uses JSONata, which is not supported locally`);
    if ('Assign' in state)
      machine.problems.push(`${where} assigns variables, which are not supported locally`);
    switch (state.Type) {
      case 'Task':
        prepareTask(name, state, machine);
        break;
      case 'Parallel':
        for (const branch of state.Branches ?? []) walk(branch, machine, seen);
        break;
      case 'Map': {
        for (const field of ['ItemReader', 'ResultWriter', 'ItemBatcher'])
          if (field in state)
            machine.problems.push(`${where}: Map ${field} (Distributed Map) is not supported locally`);
        for (const field of ['ToleratedFailurePercentage', 'ToleratedFailureCount', 'Label'])
          if (field in state) {
            machine.warnings.push(`${where}: Map ${field} is ignored locally`);
            delete state[field];
          }
        const processor = state.ItemProcessor ?? state.Iterator;
        if (processor?.ProcessorConfig) {
          if (processor.ProcessorConfig.Mode === 'DISTRIBUTED')
            machine.warnings.push(
              `${where}: a distributed Map without an ItemReader runs as an inline Map locally`,
            );
          delete processor.ProcessorConfig;
        }
        if (processor) walk(processor, machine, seen);
        break;
      }
    }
  }
}

function prepareTask(name: string, state: Json, machine: LocalStateMachine): void {
  machine.tasks.set(name, { ...state } as TaskStateDefinition);
  if (String(state.Resource).endsWith('.waitForTaskToken') && state.Parameters !== undefined)
    state.Parameters = withTokenPlaceholder(state.Parameters);
  if (/^arn:aws:states:::ecs:runTask\.sync/.test(state.Resource) && typeof state.TimeoutSeconds === 'number')
    // The container runner enforces this timeout itself, so the state fails once the process is gone.
    state.TimeoutSeconds = MAX_TIMER_SECONDS;
  else if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined)
    // aws-local-stepfunctions defaults a Task to 60 s; AWS to 99999999 s (a transcode must not time out at 60 s).
    state.TimeoutSeconds = MAX_TIMER_SECONDS;
  else if (typeof state.TimeoutSeconds === 'number' && state.TimeoutSeconds > MAX_TIMER_SECONDS)
    state.TimeoutSeconds = MAX_TIMER_SECONDS;
  if (state.HeartbeatSecondsPath !== undefined)
    machine.warnings.push(`state '${name}': HeartbeatSecondsPath is ignored locally`);
  if (state.TimeoutSecondsPath !== undefined)
    machine.warnings.push(
      `state '${name}': TimeoutSecondsPath times the state out, but a container it started keeps running until the execution ends`,
    );
  if (state.Credentials !== undefined) {
    machine.warnings.push(`state '${name}': Credentials are ignored locally`);
    delete state.Credentials;
  }
}

/**
 * `"Key.$": "$$.Task.Token"` (at any depth) → `"Key": <placeholder>`: the library's context object is the same
 * for every task, so the Task handler puts the token it mints in place of the placeholder.
 */
function withTokenPlaceholder(value: Json): Json {
  if (Array.isArray(value)) return value.map(withTokenPlaceholder);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) =>
      key.endsWith('.$') && v === '$$.Task.Token'
        ? [key.slice(0, -2), TASK_TOKEN_PLACEHOLDER]
        : [key, withTokenPlaceholder(v)],
    ),
  );
}
