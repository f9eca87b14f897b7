import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENTRY_METADATA, HANDLER_METADATA } from '../src/contract/template-metadata.js';
import type { LocalTemplate } from './template.js';

/**
 * Lambda functions of the template, run in this process: the entry file and export named by the
 * resource's `media-pipeline:entry` / `media-pipeline:handler` metadata, imported on first use.
 */

export interface LocalFunction {
  logicalId: string;
  name: string;
  arn: string;
  entry: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
}

type Handler = (
  event: unknown,
  context: unknown,
  callback?: (error: unknown, result?: unknown) => void,
) => unknown;

/**
 * The functions to host. CDK's own framework functions (custom resource handlers, inline or non-Node code)
 * never run locally and are skipped; any other function must name its entry in metadata.
 */
export function readFunctions(template: LocalTemplate, log: (line: string) => void): LocalFunction[] {
  const serviceTokens = new Set<string>();
  for (const r of Object.values(template.resources)) {
    if (!r.Type.startsWith('Custom::') && r.Type !== 'AWS::CloudFormation::CustomResource') continue;
    const token = r.Properties?.ServiceToken;
    const id = token?.['Fn::GetAtt']?.[0];
    if (typeof id === 'string') serviceTokens.add(id);
  }
  const functions: LocalFunction[] = [];
  const missing: string[] = [];
  for (const [id, r] of template.ofType('AWS::Lambda::Function')) {
    const props = r.Properties ?? {};
    const entry = r.Metadata?.[ENTRY_METADATA];
    const handler = r.Metadata?.[HANDLER_METADATA];
    const runtime = String(props.Runtime ?? '');
    if (
      !entry &&
      (serviceTokens.has(id) || !runtime.startsWith('nodejs') || props.Code?.ZipFile !== undefined)
    ) {
      log(`function ${id} skipped (CDK framework or non-Node function, not run locally)`);
      continue;
    }
    if (!entry || !handler) {
      missing.push(id);
      continue;
    }
    const variables = template.resolve(props.Environment?.Variables ?? {}) as Record<string, unknown>;
    functions.push({
      logicalId: id,
      name: template.physicalName(id),
      arn: template.arn(id),
      entry: String(entry),
      handler: String(handler),
      timeoutSeconds: Number(template.resolve(props.Timeout) ?? 3),
      memoryMb: Number(template.resolve(props.MemorySize) ?? 128),
      environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
    });
  }
  if (missing.length)
    throw new Error(
      `function(s) ${missing.join(', ')} lack the '${ENTRY_METADATA}' and '${HANDLER_METADATA}' metadata the local runtime needs to import them ` +
        `(add them with (fn.node.defaultChild as CfnFunction).addMetadata(...))`,
    );
  return functions;
}

/** One process environment for all functions: the union of their variables, which must not disagree. */
export function mergeEnvironments(functions: LocalFunction[]): Record<string, string> {
  const merged: Record<string, string> = {};
  const owner: Record<string, string> = {};
  for (const fn of functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      if (name in merged && merged[name] !== value)
        throw new Error(
          `environment variable ${name} is '${merged[name]}' in ${owner[name]} but '${value}' in ${fn.logicalId}; ` +
            'in-process functions share one environment, so give them distinct names',
        );
      merged[name] = value;
      owner[name] = fn.logicalId;
    }
  }
  return merged;
}

function logStreamName(): string {
  const d = new Date();
  const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/** A Lambda context object as the Node.js runtime builds it. */
export function lambdaContext(fn: LocalFunction, deadline: number) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: logStreamName(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export class LambdaHost {
  private readonly modules = new Map<string, Promise<Handler>>();
  private running = 0;

  constructor(
    readonly functions: LocalFunction[],
    private readonly projectRoot: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Invocations in flight. */
  get inFlight(): number {
    return this.running;
  }

  /** A function by logical id, name or ARN (a version or alias qualifier is ignored). */
  find(ref: string): LocalFunction {
    const unqualified = ref.startsWith('arn:') ? ref.split(':').slice(0, 7).join(':') : ref;
    const fn = this.functions.find((f) => f.logicalId === ref || f.name === ref || f.arn === unqualified);
    if (!fn)
      throw new Error(`function ${ref} is not hosted locally (does it have '${ENTRY_METADATA}' metadata?)`);
    return fn;
  }

  private load(fn: LocalFunction): Promise<Handler> {
    let loaded = this.modules.get(fn.logicalId);
    if (!loaded) {
      loaded = (async () => {
        const mod = await import(pathToFileURL(resolve(this.projectRoot, fn.entry)).href);
        const handler = mod[fn.handler] ?? mod.default?.[fn.handler];
        if (typeof handler !== 'function')
          throw new Error(`${fn.entry} has no exported function '${fn.handler}' (function ${fn.logicalId})`);
        return handler as Handler;
      })();
      this.modules.set(fn.logicalId, loaded);
      loaded.catch(() => this.modules.delete(fn.logicalId));
    }
    return loaded;
  }

  /** Invokes a function synchronously (RequestResponse); rejects with the handler's error. */
  async invoke(ref: string, event: unknown): Promise<unknown> {
    const fn = this.find(ref);
    this.running++;
    const started = Date.now();
    const context = lambdaContext(fn, started + fn.timeoutSeconds * 1000);
    const overdue = setTimeout(
      () =>
        this.log(
          `warning: ${fn.logicalId} ${context.awsRequestId} exceeded its ${fn.timeoutSeconds}s timeout`,
        ),
      fn.timeoutSeconds * 1000,
    );
    overdue.unref();
    try {
      const handler = await this.load(fn);
      return await new Promise((resolvePromise, reject) => {
        const callback = (error: unknown, result?: unknown) =>
          error ? reject(error) : resolvePromise(result);
        try {
          const result = handler(event, context, callback);
          if (handler.length < 3 || (result && typeof (result as Promise<unknown>).then === 'function'))
            Promise.resolve(result).then(resolvePromise, reject);
        } catch (error) {
          reject(error);
        }
      });
    } catch (error) {
      this.log(`${fn.logicalId} ${context.awsRequestId} failed: ${(error as Error)?.stack ?? String(error)}`);
      throw error;
    } finally {
      clearTimeout(overdue);
      this.running--;
      const ms = Date.now() - started;
      this.log(`${fn.logicalId} ${context.awsRequestId} ${ms} ms`);
    }
  }
}
