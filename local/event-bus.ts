import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type EventJournal, targetKey } from './event-journal.js';
import { compilePattern } from './event-pattern.js';
import { type AsyncInvoker, abortableSleep } from './lambda-async.js';
import type { LambdaHost } from './lambda-host.js';
import { ACCOUNT_ID, busNameOf, type Json, type LocalTemplate, REGION } from './template.js';

/**
 * EventBridge on this machine, driven by the template: the default bus and every `AWS::Events::EventBus`,
 * every `AWS::Events::Rule` (event patterns matched with event-pattern.ts, `rate(...)` schedules), and
 * delivery to SQS queues, in-process functions (asynchronous invocation) and state machines, with the
 * target's RetryPolicy and dead-letter queue. Delivery happens after PutEvents has answered, as in AWS.
 */
export const DEFAULT_BUS = 'default';
/** PutEvents: at most 10 entries and 256 KB, measured as EventBridge measures entries. */
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;
/** Retries when a target has no RetryPolicy (AWS: 185 over 24 hours; locally a couple, quickly). */
export const DEFAULT_LOCAL_RETRIES = 2;
/** Retries never exceed this locally, whatever the RetryPolicy says. */
export const MAX_LOCAL_RETRIES = 5;

export class EventsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The envelope EventBridge delivers. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface RuleTarget {
  id: string;
  arn: string;
  kind: 'sqs' | 'lambda' | 'states';
  queueUrl?: string;
  messageGroupId?: string;
  functionLogicalId?: string;
  /** The payload text delivered for an event: the envelope, or what Input/InputPath/InputTransformer make of it. */
  input: (event: EventEnvelope, rule: EventRule) => string;
  deadLetterQueueUrl?: string;
  maxRetries: number;
  maxEventAgeSeconds: number;
}

export interface EventRule {
  logicalId: string;
  name: string;
  arn: string;
  busName: string;
  state: string;
  description?: string;
  /** The EventPattern as JSON text (as ListRules returns it). */
  eventPattern?: string;
  matches?: (event: unknown) => boolean;
  scheduleExpression?: string;
  /** For `rate(...)` schedules: the period; undefined for `cron(...)` (not run locally). */
  periodMs?: number;
  targets: RuleTarget[];
  /** The resolved Targets property (ListTargetsByRule). */
  rawTargets: Json[];
}

/** EventBridge's time format: ISO 8601 to the second. */
export const eventTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * The period of a `rate(N unit)` expression in milliseconds; undefined for `cron(...)`. Throws on anything
 * EventBridge would refuse (the unit is singular for 1 and plural otherwise).
 */
export function ratePeriodMs(expression: string): number | undefined {
  if (/^cron\(.+\)$/.test(expression)) return undefined;
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  const n = Number(match?.[1]);
  const unit = match?.[2] ?? '';
  if (!match || n < 1 || (n === 1) !== !unit.endsWith('s'))
    throw new Error(
      `invalid ScheduleExpression '${expression}' (expected rate(1 minute|hour|day), rate(N minutes|hours|days) or cron(...))`,
    );
  return n * (UNITS[unit.replace(/s$/, '')] as number);
}

type PathToken = string | number;

/** A JSONPath as InputPath and InputPathsMap use it: `$`, `.name`, `['name']`, `[index]`. */
export function compilePath(path: string): PathToken[] {
  if (!path.startsWith('$')) throw new Error(`invalid JSON path '${path}' (must start with $)`);
  const tokens: PathToken[] = [];
  const step = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  let at = 1;
  while (at < path.length) {
    step.lastIndex = at;
    const m = step.exec(path);
    if (!m) throw new Error(`invalid JSON path '${path}' at position ${at}`);
    tokens.push(m[2] !== undefined ? Number(m[2]) : ((m[1] ?? m[3] ?? m[4]) as string));
    at = step.lastIndex;
  }
  return tokens;
}

export function selectPath(value: unknown, tokens: PathToken[]): unknown {
  let current = value;
  for (const token of tokens) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[token];
  }
  return current;
}

/**
 * InputTransformer: `<name>` placeholders of InputTemplate filled from InputPathsMap (and the reserved
 * `aws.events.*` names). Inside a JSON string literal a string value goes in without its quotes;
 * elsewhere every value goes in as JSON (so `{"id": <id>}` quotes a string id), as EventBridge does.
 */
export function inputTransformer(transformer: Json): (event: EventEnvelope, rule: EventRule) => string {
  const paths = Object.fromEntries(
    Object.entries((transformer?.InputPathsMap ?? {}) as Record<string, string>).map(([name, path]) => [
      name,
      compilePath(String(path)),
    ]),
  );
  const template = String(transformer?.InputTemplate ?? '');
  const placeholder = /<([A-Za-z0-9_.-]+)>/y;
  return (event, rule) => {
    let out = '';
    let inString = false;
    for (let i = 0; i < template.length; ) {
      const c = template[i] as string;
      if (c === '\\' && inString) {
        out += template.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === '"') inString = !inString;
      placeholder.lastIndex = i;
      const m = c === '<' ? placeholder.exec(template) : null;
      if (!m) {
        out += c;
        i++;
        continue;
      }
      const name = m[1] as string;
      let value: unknown;
      let known = true;
      if (paths[name]) value = selectPath(event, paths[name]);
      else if (name === 'aws.events.rule-arn') value = rule.arn;
      else if (name === 'aws.events.rule-name') value = rule.name;
      else if (name === 'aws.events.event.ingestion-time') value = event.time;
      else if (name === 'aws.events.event' || name === 'aws.events.event.json') value = event;
      else known = false;
      if (!known) out += m[0];
      else if (inString) {
        const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
        out += JSON.stringify(text).slice(1, -1);
      } else out += JSON.stringify(value ?? null);
      i += m[0].length;
    }
    return out;
  };
}

function targetInput(raw: Json): RuleTarget['input'] {
  if (raw.Input !== undefined) {
    const text = typeof raw.Input === 'string' ? raw.Input : JSON.stringify(raw.Input);
    return () => text;
  }
  if (raw.InputPath !== undefined) {
    const tokens = compilePath(String(raw.InputPath));
    return (event) => JSON.stringify(selectPath(event, tokens) ?? null);
  }
  if (raw.InputTransformer !== undefined) return inputTransformer(raw.InputTransformer);
  return (event) => JSON.stringify(event);
}

/**
 * Every AWS::Events::Rule of the template (DISABLED ones included, marked so). Throws on an invalid
 * EventPattern or ScheduleExpression and on targets that name queues or functions the template lacks.
 */
export function readEventRules(
  template: LocalTemplate,
  host: Pick<LambdaHost, 'find'>,
  log: (line: string) => void,
): EventRule[] {
  const rules: EventRule[] = [];
  const queueUrl = (arn: string, what: string) => {
    const id = template.findByArn('AWS::SQS::Queue', arn);
    if (!id) throw new Error(`${what} ${arn} is not an SQS queue of the template`);
    return template.queueUrl(id);
  };
  for (const [id, r] of template.ofType('AWS::Events::Rule')) {
    const props = template.resolve(r.Properties ?? {});
    const rule: EventRule = {
      logicalId: id,
      name: template.physicalName(id),
      arn: template.arn(id),
      busName: template.ruleBusName(id),
      state: String(props.State ?? 'ENABLED'),
      description: props.Description,
      targets: [],
      rawTargets: props.Targets ?? [],
    };
    if (props.EventPattern !== undefined) {
      try {
        rule.matches = compilePattern(props.EventPattern);
      } catch (error) {
        throw new Error(`rule ${id} has an invalid EventPattern: ${(error as Error).message}`);
      }
      rule.eventPattern =
        typeof props.EventPattern === 'string' ? props.EventPattern : JSON.stringify(props.EventPattern);
    }
    if (props.ScheduleExpression !== undefined) {
      rule.scheduleExpression = String(props.ScheduleExpression);
      try {
        rule.periodMs = ratePeriodMs(rule.scheduleExpression);
      } catch (error) {
        throw new Error(`rule ${id}: ${(error as Error).message}`);
      }
      if (rule.periodMs === undefined && rule.state !== 'DISABLED')
        log(`warning: rule ${id} (${rule.scheduleExpression}): cron schedules are not run locally`);
    }
    if (!rule.matches && !rule.scheduleExpression)
      throw new Error(`rule ${id} has neither an EventPattern nor a ScheduleExpression`);

    for (const raw of rule.rawTargets) {
      const arn = String(raw.Arn ?? '');
      const retry = raw.RetryPolicy ?? {};
      const base = {
        id: String(raw.Id ?? arn),
        arn,
        input: (() => {
          try {
            return targetInput(raw);
          } catch (error) {
            throw new Error(`rule ${id} target ${raw.Id}: ${(error as Error).message}`);
          }
        })(),
        deadLetterQueueUrl: raw.DeadLetterConfig?.Arn
          ? queueUrl(String(raw.DeadLetterConfig.Arn), `rule ${id} target ${raw.Id}: dead-letter queue`)
          : undefined,
        maxRetries: Math.min(MAX_LOCAL_RETRIES, Number(retry.MaximumRetryAttempts ?? DEFAULT_LOCAL_RETRIES)),
        maxEventAgeSeconds: Number(retry.MaximumEventAgeInSeconds ?? 86_400),
      };
      if (arn.startsWith('arn:aws:sqs:')) {
        rule.targets.push({
          ...base,
          kind: 'sqs',
          queueUrl: queueUrl(arn, `rule ${id} target ${raw.Id}:`),
          messageGroupId: raw.SqsParameters?.MessageGroupId,
        });
      } else if (arn.startsWith('arn:aws:lambda:')) {
        let functionLogicalId: string;
        try {
          functionLogicalId = host.find(arn).logicalId;
        } catch (error) {
          throw new Error(`rule ${id} target ${raw.Id}: ${(error as Error).message}`);
        }
        rule.targets.push({ ...base, kind: 'lambda', functionLogicalId });
      } else if (arn.startsWith('arn:aws:states:')) {
        rule.targets.push({ ...base, kind: 'states' });
      } else {
        log(`warning: rule ${id} target ${raw.Id} (${arn}) is not delivered locally`);
      }
    }
    rules.push(rule);
  }
  return rules;
}

/** What delivery failed with, in the terms of EventBridge's DLQ ERROR_CODE attribute. */
export function deliveryError(error: unknown): { code: string; message: string; retriable: boolean } {
  const e = error as { name?: string; code?: string; message?: string } | undefined;
  const name = `${e?.name ?? ''} ${(error as { code?: string })?.code ?? ''}`;
  const message = e?.message ?? String(error);
  if (/QueueDoesNotExist|NonExistentQueue|StateMachineDoesNotExist|ResourceNotFound|NotFound/.test(name))
    return { code: 'NO_RESOURCE', message, retriable: false };
  if (/InvalidParameter|MissingParameter|InvalidMessageContents|InvalidExecutionInput|Validation/.test(name))
    return { code: 'INVALID_PARAMETER', message, retriable: false };
  if (/Throttl/.test(name)) return { code: 'THROTTLING', message, retriable: true };
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH/.test(name))
    return { code: 'CONNECTION_FAILURE', message, retriable: true };
  return { code: 'SDK_CLIENT_ERROR', message, retriable: true };
}

/** EventBridge's size of a PutEvents entry (the request limit applies to their sum). */
export function entrySize(entry: Json): number {
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  return (
    (entry?.Time !== undefined && entry?.Time !== null ? 14 : 0) +
    bytes(entry?.Source) +
    bytes(entry?.DetailType) +
    bytes(entry?.Detail) +
    (Array.isArray(entry?.Resources) ? entry.Resources.reduce((n: number, r: unknown) => n + bytes(r), 0) : 0)
  );
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function entryTime(time: unknown): Date {
  if (typeof time === 'number') return new Date(time * 1000);
  if (typeof time === 'string' && time) {
    const parsed = Number.isNaN(Number(time)) ? Date.parse(time) : Number(time) * 1000;
    if (!Number.isNaN(parsed)) return new Date(parsed);
  }
  return new Date();
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface LocalEventBusOptions {
  rules: EventRule[];
  /** Custom bus names (the default bus always exists). */
  buses: string[];
  sqs: SQSClient;
  invoker: Pick<AsyncInvoker, 'invoke'>;
  /** Starts executions for Step Functions targets. */
  stateMachines?: { start(stateMachineArn: string, name: string | undefined, input: string): unknown };
  log?: (line: string) => void;
  /** Fire every `rate(...)` rule this often instead of at its own rate (tests). */
  scheduleIntervalMs?: number;
  /** First retry delay for failed deliveries (doubling). */
  retryDelayMs?: number;
  /** A durable stack's journal of accepted events not yet delivered everywhere (event-journal.ts). */
  journal?: EventJournal;
}

export class LocalEventBus {
  readonly rules: EventRule[];
  readonly buses: Set<string>;
  private readonly log: (line: string) => void;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly stopping = new AbortController();

  constructor(private readonly options: LocalEventBusOptions) {
    this.rules = options.rules;
    this.buses = new Set([DEFAULT_BUS, ...options.buses]);
    this.log = options.log ?? (() => undefined);
    for (const rule of this.rules) {
      if (rule.state === 'DISABLED' || rule.periodMs === undefined || !rule.targets.length) continue;
      const period = options.scheduleIntervalMs ?? rule.periodMs;
      const timer = setInterval(() => this.fire(rule), period);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Deliveries (with retries, DLQ sends and the Lambda invocations they started) not yet finished. */
  pending(): number {
    return this.inFlight.size;
  }

  /** Resolves when nothing is being delivered; rejects after `timeoutMs`. */
  async settled(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`event deliveries still in flight after ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, left);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.stopping.abort();
    await this.settled(2_000).catch(() => undefined);
  }

  /** PutEvents: validates each entry, answers per entry, then delivers to the matching rules' targets. */
  putEvents(body: Json): { FailedEntryCount: number; Entries: EntryResult[] } {
    const entries: unknown = body?.Entries;
    if (!Array.isArray(entries) || entries.length === 0)
      throw new EventsApiError(
        'ValidationException',
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    if (entries.length > MAX_ENTRIES)
      throw new EventsApiError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    if (entries.reduce((n: number, e) => n + entrySize(e), 0) > MAX_REQUEST_BYTES)
      throw new EventsApiError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    const results = entries.map((entry) => this.accept(entry));
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  private accept(entry: Json): EntryResult {
    const invalid = (name: string) => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
    });
    if (typeof entry?.Source !== 'string' || !entry.Source) return invalid('Source');
    if (typeof entry.DetailType !== 'string' || !entry.DetailType) return invalid('DetailType');
    if (typeof entry.Detail !== 'string' || !entry.Detail) return invalid('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      detail = undefined;
    }
    if (!isPlainObject(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    if (entry.Source.startsWith('aws.'))
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    const bus = busNameOf(String(entry.EventBusName || DEFAULT_BUS));
    if (!this.buses.has(bus))
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    const event: EventEnvelope = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: ACCOUNT_ID,
      time: eventTime(entryTime(entry.Time)),
      region: REGION,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      detail,
    };
    this.route(bus, event);
    return { EventId: event.id };
  }

  private route(bus: string, event: EventEnvelope): void {
    const matched = this.rules.filter(
      (r) => r.state !== 'DISABLED' && r.busName === bus && r.matches?.(event) === true,
    );
    this.log(
      `event ${event.source} / ${event['detail-type']} on ${bus}: ${matched.length ? `→ ${matched.map((r) => r.name).join(', ')}` : 'no rule matched'}`,
    );
    const deliveries = matched.flatMap((rule) => rule.targets.map((target) => ({ rule, target })));
    this.options.journal?.accepted({
      bus,
      event,
      pending: deliveries.map(({ rule, target }) => targetKey(rule.logicalId, target.id)),
    });
    for (const { rule, target } of deliveries) this.track(this.deliverJournaled(rule, target, event));
  }

  /**
   * A durable stack's start: delivers again what the journal holds, each event to the targets it had not
   * reached (the rule and target as the template has them now). Returns the deliveries started.
   */
  replayJournal(): number {
    const journal = this.options.journal;
    if (!journal) return 0;
    let started = 0;
    for (const entry of journal.entries()) {
      const event = entry.event as unknown as EventEnvelope;
      for (const key of entry.pending) {
        const rule = this.rules.find((r) => r.busName === entry.bus && key.startsWith(`${r.logicalId}/`));
        const target = rule?.targets.find((t) => targetKey(rule.logicalId, t.id) === key);
        if (!rule || !target || rule.state === 'DISABLED') {
          this.log(`event journal: ${key} is gone; event ${event.id} not delivered to it`);
          journal.delivered(event.id, key);
          continue;
        }
        this.track(this.deliverJournaled(rule, target, event));
        started++;
      }
    }
    if (started) this.log(`event journal: ${started} delivery(ies) started again after the restart`);
    return started;
  }

  /**
   * Fires every enabled scheduled rule once, now, with `detail` (a durable stack catches up at start:
   * the reconciler and the outbox sweeper run before their first tick).
   */
  fireSchedules(detail: Record<string, unknown> = {}): void {
    for (const rule of this.rules)
      if (rule.state !== 'DISABLED' && rule.periodMs !== undefined && rule.targets.length)
        this.fire(rule, detail);
  }

  /** A scheduled rule's tick: a 'Scheduled Event' to each target. */
  private fire(rule: EventRule, detail: Record<string, unknown> = {}): void {
    const event: EventEnvelope = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT_ID,
      time: eventTime(new Date()),
      region: REGION,
      resources: [rule.arn],
      detail,
    };
    this.log(`schedule ${rule.name} (${rule.scheduleExpression}) fired`);
    for (const target of rule.targets) this.track(this.deliver(rule, target, event));
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /**
   * One delivery, then what it started (a function's asynchronous invocation): its journal entry ends only
   * then, and never while the bus stops (what a stop interrupts is sent again at the next start).
   */
  private async deliverJournaled(rule: EventRule, target: RuleTarget, event: EventEnvelope): Promise<void> {
    await this.deliver(rule, target, event);
    if (!this.stopping.signal.aborted)
      this.options.journal?.delivered(event.id, targetKey(rule.logicalId, target.id));
  }

  /** Sends one event to one target; for a function, resolves once its asynchronous invocation ended. */
  private async send(rule: EventRule, target: RuleTarget, event: EventEnvelope): Promise<void> {
    const payload = target.input(event, rule);
    switch (target.kind) {
      case 'sqs':
        await this.options.sqs.send(
          new SendMessageCommand({
            QueueUrl: target.queueUrl,
            MessageBody: payload,
            ...(target.messageGroupId
              ? { MessageGroupId: target.messageGroupId, MessageDeduplicationId: event.id }
              : {}),
          }),
        );
        return;
      case 'lambda': {
        let parsed: unknown = payload;
        try {
          parsed = JSON.parse(payload);
        } catch {
          // A plain-text Input is passed as a string.
        }
        // Lambda retries a failed asynchronous invocation itself: the bus's retries are for refusals only.
        const invocation = this.options.invoker.invoke(target.functionLogicalId as string, parsed);
        this.track(invocation);
        await invocation;
        return;
      }
      case 'states': {
        if (!this.options.stateMachines)
          throw Object.assign(new Error('no state machines'), { name: 'StateMachineDoesNotExist' });
        try {
          this.options.stateMachines.start(target.arn, undefined, payload);
        } catch (error) {
          const code = (error as { code?: string }).code;
          throw code ? Object.assign(new Error((error as Error).message), { name: code }) : error;
        }
        return;
      }
    }
  }

  private async deliver(rule: EventRule, target: RuleTarget, event: EventEnvelope): Promise<void> {
    const accepted = Date.now();
    let attempts = 0;
    let failure: ReturnType<typeof deliveryError>;
    let exhausted: string | undefined;
    for (;;) {
      attempts++;
      try {
        await this.send(rule, target, event);
        return;
      } catch (error) {
        failure = deliveryError(error);
      }
      if (!failure.retriable || this.stopping.signal.aborted) break;
      if (attempts > target.maxRetries) {
        exhausted = 'MaximumRetryAttemptsExhausted';
        break;
      }
      if (Date.now() - accepted >= target.maxEventAgeSeconds * 1000) {
        exhausted = 'MaximumEventAgeExhausted';
        break;
      }
      await abortableSleep((this.options.retryDelayMs ?? 100) * 2 ** (attempts - 1), this.stopping.signal);
    }
    this.log(
      `rule ${rule.name} target ${target.id}: delivery failed after ${attempts} attempt(s): ${failure.code} ${failure.message}`,
    );
    // Interrupted by the stop, not given up: the journal (a durable stack) delivers it again at the next start.
    if (this.stopping.signal.aborted && this.options.journal) return;
    if (!target.deadLetterQueueUrl) return;
    const attribute = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
    try {
      await this.options.sqs.send(
        new SendMessageCommand({
          QueueUrl: target.deadLetterQueueUrl,
          MessageBody: JSON.stringify(event),
          MessageAttributes: {
            RULE_ARN: attribute(rule.arn),
            TARGET_ARN: attribute(target.arn),
            ERROR_CODE: attribute(failure.code),
            ERROR_MESSAGE: attribute(failure.message || failure.code),
            RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(attempts - 1) },
            ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: attribute(exhausted) } : {}),
          },
        }),
      );
    } catch (error) {
      this.log(
        `rule ${rule.name} target ${target.id}: dead-letter queue send failed: ${(error as Error).message}`,
      );
    }
  }

  /** ListRules (NamePrefix, EventBusName, Limit/NextToken). */
  listRules(body: Json): { Rules: Json[]; NextToken?: string } {
    const bus = busNameOf(String(body?.EventBusName || DEFAULT_BUS));
    if (!this.buses.has(bus))
      throw new EventsApiError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    const prefix = String(body?.NamePrefix ?? '');
    const all = this.rules
      .filter((r) => r.busName === bus && r.name.startsWith(prefix))
      .map((r) => this.describe(r));
    const start = body?.NextToken ? Number(body.NextToken) : 0;
    const limit = Number(body?.Limit) || 100;
    const end = start + limit;
    return { Rules: all.slice(start, end), ...(end < all.length ? { NextToken: String(end) } : {}) };
  }

  describeRule(body: Json): Json {
    return this.describe(this.rule(body));
  }

  listTargetsByRule(body: Json): { Targets: Json[] } {
    return { Targets: this.rule(body).rawTargets };
  }

  private rule(body: Json): EventRule {
    const bus = busNameOf(String(body?.EventBusName || DEFAULT_BUS));
    const name = String(body?.Name ?? body?.Rule ?? '');
    const rule = this.rules.find((r) => r.busName === bus && r.name === name);
    if (!rule)
      throw new EventsApiError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus}.`,
      );
    return rule;
  }

  private describe(r: EventRule): Json {
    return {
      Name: r.name,
      Arn: r.arn,
      EventPattern: r.eventPattern,
      ScheduleExpression: r.scheduleExpression,
      State: r.state,
      Description: r.description,
      EventBusName: r.busName,
    };
  }
}
