import type { Json } from './template.js';

/**
 * A minimal GetExecutionHistory: aws-local-stepfunctions' event log mapped to AWS HistoryEvent shapes
 * (execution start/end, state entered/exited, task/Map iteration failures). Retries and catches appear as
 * `<Type>StateFailed`-style events only; no scheduled/started/submitted task events.
 */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value ?? null));

/** Appends the AWS form of one library event (if it has one) to `history`. */
export function recordEvent(history: HistoryEvent[], event: Json): void {
  const base = () => ({
    id: history.length + 1,
    previousEventId: history.length,
    timestamp: Number(event.timestamp ?? Date.now()) / 1000,
  });
  const state = event.state as { name: string; type: string; input?: unknown; output?: unknown } | undefined;
  let mapped: HistoryEvent | undefined;
  switch (event.type) {
    case 'ExecutionStarted':
      mapped = {
        ...base(),
        type: 'ExecutionStarted',
        executionStartedEventDetails: { input: text(event.input) },
      };
      break;
    case 'ExecutionSucceeded':
      mapped = {
        ...base(),
        type: 'ExecutionSucceeded',
        executionSucceededEventDetails: { output: text(event.output) },
      };
      break;
    case 'ExecutionFailed':
      mapped = {
        ...base(),
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: event.Error, cause: text(event.Cause) },
      };
      break;
    case 'ExecutionAborted':
      mapped = { ...base(), type: 'ExecutionAborted', executionAbortedEventDetails: {} };
      break;
    case 'ExecutionTimeout':
      mapped = { ...base(), type: 'ExecutionTimedOut', executionTimedOutEventDetails: {} };
      break;
    case 'StateEntered':
      if (state)
        mapped = {
          ...base(),
          type: `${state.type}StateEntered`,
          stateEnteredEventDetails: { name: state.name, input: text(state.input) },
        };
      break;
    case 'StateExited':
      if (state)
        mapped = {
          ...base(),
          type: `${state.type}StateExited`,
          stateExitedEventDetails: { name: state.name, output: text(state.output) },
        };
      break;
    case 'StateFailed':
      if (state)
        mapped = {
          ...base(),
          type: state.type === 'Task' ? 'TaskFailed' : `${state.type}StateFailed`,
          [state.type === 'Task' ? 'taskFailedEventDetails' : 'stateFailedEventDetails']: {
            name: state.name,
            error: event.Error,
            cause: text(event.Cause),
          },
        };
      break;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      mapped = {
        ...base(),
        type: event.type,
        [`m${String(event.type).slice(1)}EventDetails`]: {
          name: event.parentState?.name,
          index: event.index,
        },
      };
      break;
  }
  if (mapped) history.push(mapped);
}
