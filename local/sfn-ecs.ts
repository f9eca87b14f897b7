import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENV } from '../src/contract/env.js';
import { CONTAINER_ENTRY_METADATA } from '../src/contract/template-metadata.js';
import { ACCOUNT_ID, type Json, type LocalTemplate, REGION } from './template.js';

/**
 * `ecs:runTask` run locally: the task definition's container entry (the `media-pipeline:container-entry`
 * metadata set by lib/container-entry.ts) runs with `tsx` as a child process in its own process group, with the
 * container's Environment, the task's ContainerOverrides (Environment, Command) and the local SDK endpoints.
 */

/** Host variables a container still needs (tools on PATH, temp space, ffmpeg location). */
const PASS_THROUGH = [
  'PATH',
  'HOME',
  'TMPDIR',
  'TEMP',
  'TMP',
  'LANG',
  'LC_ALL',
  'TZ',
  ENV.ffmpegPath,
  ENV.ffprobePath,
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
];
const STDERR_TAIL = 4096;

export interface LocalContainer {
  name: string;
  entry?: string;
  essential: boolean;
  environment: Record<string, string>;
  command?: string[];
}

export interface LocalTaskDefinition {
  logicalId: string;
  family: string;
  /** `arn:aws:ecs:…:task-definition/<family>:1` (every local task definition is revision 1). */
  arn: string;
  /** The ARN the template's intrinsics resolve to (Ref). */
  templateArn: string;
  containers: LocalContainer[];
}

export interface RunTaskOptions {
  stateName: string;
  /** Aborted when the execution stops or ends: the containers are killed. */
  signal?: AbortSignal;
  timeoutSeconds?: number;
  /** Kill the task when it writes nothing (stdout/stderr) for this long: the local stand-in for heartbeats. */
  heartbeatSeconds?: number;
  /** `.sync`: wait for the containers to exit. */
  wait: boolean;
}

/** Why a task ended early; mapped to a States error by the caller. */
export class TaskEnded extends Error {
  constructor(
    readonly reason: 'timeout' | 'heartbeat' | 'aborted' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

export function readTaskDefinitions(template: LocalTemplate): LocalTaskDefinition[] {
  return template.ofType('AWS::ECS::TaskDefinition').map(([id, r]) => {
    const props = template.resolve(r.Properties ?? {}) as Record<string, Json>;
    const entries = r.Metadata?.[CONTAINER_ENTRY_METADATA] as string | Record<string, string> | undefined;
    const definitions = (props.ContainerDefinitions ?? []) as Json[];
    if (typeof entries === 'string' && definitions.length > 1)
      throw new Error(
        `task definition ${id} has ${definitions.length} containers: its '${CONTAINER_ENTRY_METADATA}' metadata must map container names to entries`,
      );
    const family = String(props.Family ?? id);
    return {
      logicalId: id,
      family,
      arn: `arn:aws:ecs:${REGION}:${ACCOUNT_ID}:task-definition/${family}:1`,
      templateArn: template.arn(id),
      containers: definitions.map((c) => ({
        name: String(c.Name),
        entry: typeof entries === 'string' ? entries : entries?.[c.Name],
        essential: c.Essential !== false,
        environment: Object.fromEntries(
          ((c.Environment ?? []) as Json[]).map((e) => [String(e.Name), String(e.Value)]),
        ),
        command: c.Command?.map(String),
      })),
    };
  });
}

export class EcsRunner {
  private readonly children = new Set<ChildProcess>();
  private readonly exits = new Set<Promise<unknown>>();
  private readonly exitsBySignal = new WeakMap<AbortSignal, Set<Promise<unknown>>>();

  constructor(
    readonly tasks: LocalTaskDefinition[],
    private readonly options: {
      projectRoot: string;
      /** SDK endpoint variables of the local stack; they win over the container's own. */
      sdkEnvironment: Record<string, string>;
      log: (line: string) => void;
      /** SIGTERM → SIGKILL grace period (ECS stopTimeout); short locally. */
      killGraceMs?: number;
    },
  ) {}

  /** Container processes alive. */
  get running(): number {
    return this.children.size;
  }

  /** Their process ids (each is its process group's leader): what a test kills to crash a task. */
  get pids(): number[] {
    return [...this.children].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  /** A task definition by family, `family:revision`, or ARN. */
  find(ref: string): LocalTaskDefinition {
    const family = ref.includes('/') ? (ref.split('/').pop() ?? ref) : ref;
    const bare = family.replace(/:\d+$/, '');
    const task = this.tasks.find(
      (t) => t.arn === ref || t.templateArn === ref || t.family === bare || t.logicalId === bare,
    );
    if (!task) throw new Error(`task definition ${ref} is not in the template`);
    return task;
  }

  async runTask(params: Json, options: RunTaskOptions): Promise<Json> {
    const task = this.find(String(params?.TaskDefinition ?? ''));
    const runnable = task.containers.filter((c) => c.entry);
    if (!runnable.length)
      throw new Error(
        `task definition ${task.logicalId} names no container entry: set it with setContainerEntry() (lib/container-entry.ts)`,
      );
    const overrides = (params.Overrides?.ContainerOverrides ?? []) as Json[];
    const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT_ID}:task/local/${randomUUID().replaceAll('-', '')}`;
    const createdAt = Date.now();
    const runs = runnable.map((container) =>
      this.runContainer(
        task,
        container,
        overrides.find((o) => o.Name === container.name),
        options,
      ),
    );
    const describe = (exitCodes: (number | null)[]) => ({
      Attachments: [],
      Cluster: params.Cluster ?? `arn:aws:ecs:${REGION}:${ACCOUNT_ID}:cluster/default`,
      Containers: runnable.map((c, i) => ({
        Name: c.name,
        ExitCode: exitCodes[i] ?? undefined,
        LastStatus: exitCodes.length ? 'STOPPED' : 'RUNNING',
        TaskArn: taskArn,
      })),
      CreatedAt: createdAt,
      DesiredStatus: exitCodes.length ? 'STOPPED' : 'RUNNING',
      Group: `family:${task.family}`,
      LastStatus: exitCodes.length ? 'STOPPED' : 'RUNNING',
      LaunchType: params.LaunchType ?? 'FARGATE',
      Overrides: params.Overrides ?? {},
      StartedBy: params.StartedBy,
      TaskArn: taskArn,
      TaskDefinitionArn: task.arn,
      ...(exitCodes.length
        ? {
            StopCode: 'EssentialContainerExited',
            StoppedAt: Date.now(),
            StoppedReason: 'Essential container in task exited',
          }
        : {}),
    });
    if (!options.wait) {
      for (const run of runs) run.catch((error) => this.options.log(`task ${taskArn}: ${error.message}`));
      return { Failures: [], Tasks: [describe([])] };
    }
    const settled = await Promise.allSettled(runs);
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) throw failure.reason;
    return describe(settled.map((s) => (s.status === 'fulfilled' ? s.value : null)));
  }

  private runContainer(
    task: LocalTaskDefinition,
    container: LocalContainer,
    override: Json,
    options: RunTaskOptions,
  ): Promise<number> {
    const env: Record<string, string> = {};
    for (const name of PASS_THROUGH)
      if (process.env[name] !== undefined) env[name] = process.env[name] as string;
    Object.assign(env, container.environment);
    for (const e of (override?.Environment ?? []) as Json[]) env[String(e.Name)] = String(e.Value);
    Object.assign(env, this.options.sdkEnvironment);
    const command = ((override?.Command ?? container.command ?? []) as unknown[]).map(String);
    const label = `${options.stateName}/${container.name}`;
    const { projectRoot, log } = this.options;
    const loader = pathToFileURL(createRequire(resolve(projectRoot, 'package.json')).resolve('tsx')).href;
    const child = spawn(
      process.execPath,
      ['--import', loader, resolve(projectRoot, container.entry as string), ...command],
      { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    this.children.add(child);
    log(`container ${label} (${task.family}) started, pid ${child.pid}`);

    let stderrTail = '';
    let ended: TaskEnded | undefined;
    const timers: NodeJS.Timeout[] = [];
    const end = (reason: TaskEnded) => {
      ended ??= reason;
      this.kill(child);
    };
    let heartbeat: NodeJS.Timeout | undefined;
    const beat = () => {
      if (!options.heartbeatSeconds) return;
      clearTimeout(heartbeat);
      heartbeat = setTimeout(
        () =>
          end(
            new TaskEnded(
              'heartbeat',
              `no output from ${label} for ${options.heartbeatSeconds}s (heartbeat)`,
            ),
          ),
        options.heartbeatSeconds * 1000,
      );
    };
    beat();
    if (options.timeoutSeconds)
      timers.push(
        setTimeout(
          () => end(new TaskEnded('timeout', `${label} timed out after ${options.timeoutSeconds}s`)),
          options.timeoutSeconds * 1000,
        ),
      );
    const onAbort = () => end(new TaskEnded('aborted', `${label} stopped: the execution ended`));
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const forward = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      beat();
      const text = chunk.toString('utf8');
      if (stream === 'stderr') stderrTail = (stderrTail + text).slice(-STDERR_TAIL);
      for (const line of text.split('\n')) if (line) log(`[${label}] ${line}`);
    };
    child.stdout?.on('data', forward('stdout'));
    child.stderr?.on('data', forward('stderr'));

    const exited = new Promise<number>((resolveExit, reject) => {
      child.once('error', (error) =>
        reject(new TaskEnded('failed', `${label} did not start: ${error.message}`)),
      );
      child.once('close', (code, signal) => {
        this.children.delete(child);
        clearTimeout(heartbeat);
        for (const timer of timers) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        log(`container ${label} exited ${signal ?? code}`);
        if (ended) return reject(ended);
        if (code === 0) return resolveExit(0);
        const tail = stderrTail.trim();
        reject(
          new TaskEnded(
            'failed',
            `Essential container ${container.name} exited with ${signal ?? `code ${code}`}${tail ? `; stderr tail:\n${tail}` : ''}`,
          ),
        );
      });
    });
    const tracked = exited.catch(() => undefined);
    this.exits.add(tracked);
    tracked.finally(() => this.exits.delete(tracked));
    if (options.signal) {
      const group = this.exitsBySignal.get(options.signal) ?? new Set();
      group.add(tracked);
      this.exitsBySignal.set(options.signal, group);
    }
    return exited;
  }

  /** SIGTERM to the process group, SIGKILL after the grace period. */
  private kill(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const group = -child.pid;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(group, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const force = setTimeout(() => signal('SIGKILL'), this.options.killGraceMs ?? 3000);
    force.unref();
    child.once('close', () => clearTimeout(force));
  }

  /** Waits until the containers started under `signal` have exited (abort it first to kill them). */
  async drain(signal: AbortSignal): Promise<void> {
    await Promise.all(this.exitsBySignal.get(signal) ?? []);
  }

  /** Kills every container and waits for them to exit. */
  async stop(): Promise<void> {
    for (const child of this.children) this.kill(child);
    await Promise.all(this.exits);
  }
}
