import { parseScheduleExpression } from './schedule-expression.js';
import { deliverToTarget, type TargetDependencies } from './scheduler-targets.js';
import { ACCOUNT_ID, type Json, type LocalTemplate, REGION } from './template.js';

/**
 * EventBridge Scheduler schedules created through the API (scheduler-front.ts): one-time `at()` schedules fire
 * on a timer and deliver to their target (a state machine, an SQS queue or a function of this stack);
 * `rate()`/`cron()` schedules are kept and listed but never run. One attempt per firing: no RetryPolicy,
 * no dead-letter queue.
 */
export class SchedulerApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: number;
  EndDate?: number;
  Description?: string;
  State: 'ENABLED' | 'DISABLED';
  KmsKeyArn?: string;
  Target: Json;
  FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE'; MaximumWindowInMinutes?: number };
  ActionAfterCompletion: 'NONE' | 'DELETE';
  CreationDate: number;
  LastModificationDate: number;
}

interface Entry {
  schedule: LocalSchedule;
  clientToken?: string;
  /** When an enabled at() schedule fires (ms); undefined for rate/cron and once fired. */
  dueAt?: number;
  timer?: NodeJS.Timeout;
}

export interface LocalSchedulerOptions extends TargetDependencies {
  /** Schedule groups besides `default` (the template's AWS::Scheduler::ScheduleGroup names). */
  groups: string[];
  log: (line: string) => void;
}

/** The template's schedule groups (by Name, and by the name Ref gives); its schedules are not run locally. */
export function readScheduleGroups(template: LocalTemplate, log: (line: string) => void): string[] {
  for (const [id] of template.ofType('AWS::Scheduler::Schedule'))
    log(`warning: AWS::Scheduler::Schedule ${id} is not run locally (schedules created through the API are)`);
  return template.ofType('AWS::Scheduler::ScheduleGroup').flatMap(([id, r]) => {
    const name = r.Properties?.Name;
    return [template.physicalName(id), ...(name === undefined ? [] : [String(template.resolve(name))])];
  });
}

const NAME = /^[0-9a-zA-Z_.-]{1,64}$/;
const MAX_TIMER_MS = 2 ** 31 - 1;
const validation = (message: string) => new SchedulerApiError('ValidationException', 400, message);
const notFound = (message: string) => new SchedulerApiError('ResourceNotFoundException', 404, message);
const nowSeconds = () => Date.now() / 1000;

export class LocalScheduler {
  private readonly schedules = new Map<string, Entry>();
  private readonly groups: Set<string>;
  private readonly inFlight = new Set<Promise<void>>();
  private warnedRecurring = false;
  private stopped = false;
  /** Firings so far, and those whose delivery failed. */
  readonly counts = { fired: 0, failed: 0 };

  constructor(private readonly options: LocalSchedulerOptions) {
    this.groups = new Set(['default', ...options.groups]);
  }

  /** Deliveries in flight. */
  pending(): number {
    return this.inFlight.size;
  }

  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.schedules.values()) clearTimeout(entry.timer);
    await this.settled();
  }

  create(name: string, body: Json): { ScheduleArn: string } {
    const group = this.group(body?.GroupName);
    const existing = this.schedules.get(`${group}/${name}`);
    if (existing) {
      // The SDK's retry of the same request carries the same ClientToken.
      if (body?.ClientToken && existing.clientToken === body.ClientToken)
        return { ScheduleArn: existing.schedule.Arn };
      throw new SchedulerApiError('ConflictException', 409, `Schedule ${name} already exists.`);
    }
    const created = nowSeconds();
    return this.save(name, group, body, created);
  }

  /** UpdateSchedule replaces the whole definition (omitted optional fields go back to their defaults). */
  update(name: string, body: Json): { ScheduleArn: string } {
    const group = this.group(body?.GroupName);
    const entry = this.entry(name, group);
    return this.save(name, group, body, entry.schedule.CreationDate);
  }

  get(name: string, groupName?: string): LocalSchedule {
    return this.entry(name, this.group(groupName)).schedule;
  }

  delete(name: string, groupName?: string): Record<string, never> {
    const group = this.group(groupName);
    const entry = this.entry(name, group);
    clearTimeout(entry.timer);
    this.schedules.delete(`${group}/${name}`);
    return {};
  }

  /** ListSchedules, by name within the group order; NextToken is the offset. */
  list(query: URLSearchParams) {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State');
    const all = [...this.schedules.values()]
      .map((e) => e.schedule)
      .filter(
        (s) =>
          (!group || s.GroupName === group) && s.Name.startsWith(prefix) && (!state || s.State === state),
      )
      .sort((a, b) => `${a.GroupName}/${a.Name}`.localeCompare(`${b.GroupName}/${b.Name}`));
    const start = Number(query.get('NextToken') ?? 0);
    if (!Number.isInteger(start) || start < 0) throw validation('Invalid NextToken');
    const size = Number(query.get('MaxResults') ?? 100) || 100;
    const end = start + size;
    return {
      Schedules: all.slice(start, end).map((s) => ({
        Arn: s.Arn,
        Name: s.Name,
        GroupName: s.GroupName,
        State: s.State,
        CreationDate: s.CreationDate,
        LastModificationDate: s.LastModificationDate,
        Target: { Arn: s.Target.Arn },
      })),
      NextToken: end < all.length ? String(end) : undefined,
    };
  }

  private group(value: unknown): string {
    const group = typeof value === 'string' && value ? value : 'default';
    if (!NAME.test(group)) throw validation(`Invalid GroupName ${group}`);
    if (!this.groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    return group;
  }

  private entry(name: string, group: string): Entry {
    const entry = this.schedules.get(`${group}/${name}`);
    if (!entry) throw notFound(`Schedule ${name} does not exist.`);
    return entry;
  }

  private save(name: string, group: string, body: Json, creationDate: number): { ScheduleArn: string } {
    if (!NAME.test(name)) throw validation(`Invalid Name ${name}: 1-64 characters of [0-9a-zA-Z-_.]`);
    const expression = String(body?.ScheduleExpression ?? '');
    const timeZone = body?.ScheduleExpressionTimezone;
    if (timeZone !== undefined && typeof timeZone !== 'string')
      throw validation('Invalid ScheduleExpressionTimezone');
    const parsed = parseScheduleExpression(expression, timeZone || 'UTC');
    if (!parsed)
      throw validation(
        `Invalid Schedule Expression ${expression}${timeZone ? ` (time zone ${timeZone})` : ''}.`,
      );
    const window = body?.FlexibleTimeWindow;
    if (window?.Mode !== 'OFF' && window?.Mode !== 'FLEXIBLE')
      throw validation('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE');
    const maxWindow = window.MaximumWindowInMinutes;
    if (window.Mode === 'FLEXIBLE' && !(Number.isInteger(maxWindow) && maxWindow >= 1 && maxWindow <= 1440))
      throw validation(
        'FlexibleTimeWindow.MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE',
      );
    const target = body?.Target;
    if (
      typeof target?.Arn !== 'string' ||
      !target.Arn ||
      typeof target.RoleArn !== 'string' ||
      !target.RoleArn
    )
      throw validation('Target.Arn and Target.RoleArn are required');
    const state = body?.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw validation('State must be ENABLED or DISABLED');
    const after = body?.ActionAfterCompletion ?? 'NONE';
    if (after !== 'NONE' && after !== 'DELETE')
      throw validation('ActionAfterCompletion must be NONE or DELETE');

    const schedule: LocalSchedule = {
      Name: name,
      GroupName: group,
      Arn: `arn:aws:scheduler:${REGION}:${ACCOUNT_ID}:schedule/${group}/${name}`,
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: timeZone,
      StartDate: body.StartDate,
      EndDate: body.EndDate,
      Description: body.Description,
      State: state,
      KmsKeyArn: body.KmsKeyArn,
      Target: target,
      FlexibleTimeWindow: window,
      ActionAfterCompletion: after,
      CreationDate: creationDate,
      LastModificationDate: nowSeconds(),
    };
    const key = `${group}/${name}`;
    clearTimeout(this.schedules.get(key)?.timer);
    const entry: Entry = { schedule, clientToken: body.ClientToken };
    this.schedules.set(key, entry);
    if (parsed.kind !== 'at') {
      if (!this.warnedRecurring)
        this.options.log(
          `warning: scheduler: rate() and cron() schedules are accepted but not run locally (${key})`,
        );
      this.warnedRecurring = true;
    } else if (state === 'ENABLED') {
      entry.dueAt = parsed.dueAt;
      this.arm(key, entry);
    }
    return { ScheduleArn: schedule.Arn };
  }

  /** A past time fires at once; a FLEXIBLE window fires at its start. */
  private arm(key: string, entry: Entry): void {
    if (entry.dueAt === undefined || this.stopped) return;
    const delay = Math.max(0, entry.dueAt - Date.now());
    // Beyond setTimeout's ceiling, wait in steps.
    entry.timer = setTimeout(
      () => (delay > MAX_TIMER_MS ? this.arm(key, entry) : this.fire(key, entry)),
      Math.min(delay, MAX_TIMER_MS),
    );
    entry.timer.unref();
  }

  private fire(key: string, entry: Entry): void {
    if (this.schedules.get(key) !== entry || this.stopped) return;
    entry.dueAt = undefined;
    const { schedule } = entry;
    this.counts.fired++;
    this.options.log(`schedule ${key} (${schedule.ScheduleExpression}) fired → ${schedule.Target.Arn}`);
    const delivery = deliverToTarget(schedule.Target, this.options)
      .catch((error: Error & { code?: string }) => {
        this.counts.failed++;
        // Step Functions errors carry their exception name in `code`.
        const name = error.code ?? error.name;
        this.options.log(
          `schedule ${key}: delivery to ${schedule.Target.Arn} failed: ${name}: ${error.message}`,
        );
      })
      .finally(() => {
        this.inFlight.delete(delivery);
        if (schedule.ActionAfterCompletion === 'DELETE' && this.schedules.get(key) === entry)
          this.schedules.delete(key);
      });
    this.inFlight.add(delivery);
  }
}
