import {
  ACCOUNT_ID,
  ARN_SHAPE,
  bucketNameFromLogicalId,
  kmsKeyId,
  NAME_PROPERTY,
  REF_IS_ARN,
  REGION,
  shortId,
} from './names.js';

export { ACCOUNT_ID, bucketNameFromLogicalId, REGION };

/**
 * A synthesized CloudFormation template and the local meaning of its intrinsic functions: every Ref,
 * Fn::GetAtt, Fn::Sub… resolves to the physical names, URLs and ARNs of the resources as they exist on
 * this machine. Only what CDK output needs is implemented; anything else fails loudly.
 */
export type CfnValue = unknown;
/** CloudFormation JSON: untyped by nature; each reader checks the shapes it relies on. */
// biome-ignore lint/suspicious/noExplicitAny: synthesized templates are untyped JSON
export type Json = any;
export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
  DependsOn?: string | string[];
  Condition?: string;
}
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: CfnValue; Condition?: string }>;
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, CfnValue>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

/** Endpoints the template's values depend on (queue URLs name the SQS front, API endpoints their server). */
export interface Endpoints {
  sqs: string;
  apis: Record<string, string>;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** An event bus name from its name or ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
export function busNameOf(nameOrArn: string): string {
  const match = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return match ? (match[1] as string) : nameOrArn;
}

export class LocalTemplate {
  readonly resources: Record<string, CfnResource>;
  private readonly names = new Map<string, string>();
  private endpoints: Endpoints = { sqs: 'http://127.0.0.1:0', apis: {} };

  constructor(
    readonly raw: CfnTemplate,
    readonly stackName = 'LocalStack',
  ) {
    if (!raw || typeof raw !== 'object' || !raw.Resources) throw new Error('template has no Resources');
    this.resources = Object.fromEntries(
      Object.entries(raw.Resources).filter(([, r]) => !r.Condition || this.condition(r.Condition)),
    );
  }

  setEndpoints(endpoints: Endpoints): void {
    this.endpoints = endpoints;
  }

  ofType(type: string): [string, CfnResource][] {
    return Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .sort(([a], [b]) => a.localeCompare(b));
  }

  /** A resource's logical id from its exact id or a unique prefix of it (CDK appends hashes). */
  logicalId(type: string, prefix: string): string {
    const all = this.ofType(type).map(([id]) => id);
    if (all.includes(prefix)) return prefix;
    const found = all.filter((id) => id.startsWith(prefix));
    if (found.length === 1) return found[0] as string;
    const what = found.length ? `is ambiguous (${found.join(', ')})` : `matches none of [${all.join(', ')}]`;
    throw new Error(`${type} "${prefix}" ${what}`);
  }

  resource(logicalId: string): CfnResource {
    const r = this.resources[logicalId];
    if (!r) throw new Error(`no resource "${logicalId}" in the template`);
    return r;
  }

  /** The physical name: the explicit name property when set, otherwise one derived from the logical id. */
  physicalName(logicalId: string): string {
    const cached = this.names.get(logicalId);
    if (cached) return cached;
    const r = this.resource(logicalId);
    const prop = NAME_PROPERTY[r.Type];
    const explicit = prop ? r.Properties?.[prop] : undefined;
    let name: string;
    if (explicit !== undefined) name = String(this.resolve(explicit));
    else if (r.Type === 'AWS::S3::Bucket') name = bucketNameFromLogicalId(logicalId);
    else if (r.Type === 'AWS::SQS::Queue')
      name = `${logicalId.slice(0, 75)}${r.Properties?.FifoQueue ? '.fifo' : ''}`;
    else if (r.Type === 'AWS::KMS::Key') name = kmsKeyId(this.stackName, logicalId);
    else name = logicalId.slice(0, 64);
    this.names.set(logicalId, name);
    return name;
  }

  arn(logicalId: string): string {
    const r = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    if (r.Type === 'AWS::Events::Rule') {
      const bus = this.ruleBusName(logicalId);
      return `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
    }
    const shape = ARN_SHAPE[r.Type];
    if (shape) return shape(name);
    const [, service = 'unknown', kind = 'resource'] = r.Type.split('::');
    return `arn:aws:${service.toLowerCase()}:${REGION}:${ACCOUNT_ID}:${kind.toLowerCase()}/${name}`;
  }

  /** The name of the event bus a rule is on (EventBusName may be a name or an ARN; default: `default`). */
  ruleBusName(logicalId: string): string {
    const value = this.resolve(this.resource(logicalId).Properties?.EventBusName);
    return value === undefined || value === '' ? 'default' : busNameOf(String(value));
  }

  queueUrl(logicalId: string): string {
    return `${this.endpoints.sqs}/${ACCOUNT_ID}/${this.physicalName(logicalId)}`;
  }

  ref(name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT_ID;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${REGION}:${ACCOUNT_ID}:stack/${this.stackName}/${shortId(this.stackName)}`;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    const param = this.raw.Parameters?.[name];
    if (param) {
      if (param.Default === undefined) throw new Error(`parameter ${name} has no Default to run locally`);
      return param.Default;
    }
    const r = this.resource(name);
    switch (r.Type) {
      case 'AWS::SQS::Queue':
        return this.queueUrl(name);
      case 'AWS::ApiGatewayV2::Api':
        return shortId(name);
      case 'AWS::ApiGatewayV2::Stage':
        return this.resolve(r.Properties?.StageName ?? '$default');
      case 'AWS::Events::Rule': {
        // A rule on a custom bus is `bus|rule`, as CloudFormation returns it.
        const bus = this.ruleBusName(name);
        return bus === 'default' ? this.physicalName(name) : `${bus}|${this.physicalName(name)}`;
      }
    }
    if (REF_IS_ARN.has(r.Type)) return this.arn(name);
    if (r.Type.startsWith('AWS::ApiGatewayV2::') || r.Type === 'AWS::Lambda::EventSourceMapping')
      return shortId(name);
    return this.physicalName(name);
  }

  getAtt(logicalId: string, attribute: string): unknown {
    const r = this.resource(logicalId);
    const name = () => this.physicalName(logicalId);
    if (attribute === 'Arn') return this.arn(logicalId);
    switch (`${r.Type}.${attribute}`) {
      case 'AWS::S3::Bucket.DomainName':
        return `${name()}.s3.amazonaws.com`;
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name()}.s3.${REGION}.amazonaws.com`;
      case 'AWS::S3::Bucket.WebsiteURL':
        return `http://${name()}.s3-website-${REGION}.amazonaws.com`;
      case 'AWS::SQS::Queue.QueueName':
        return name();
      case 'AWS::SQS::Queue.QueueUrl':
        return this.queueUrl(logicalId);
      case 'AWS::DynamoDB::Table.StreamArn':
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
        return `${this.arn(logicalId)}/stream/1970-01-01T00:00:00.000`;
      case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
        return this.endpoints.apis[logicalId] ?? `http://127.0.0.1:0`;
      case 'AWS::ApiGatewayV2::Api.ApiId':
        return shortId(logicalId);
      case 'AWS::KMS::Key.KeyId':
      case 'AWS::StepFunctions::StateMachine.Name':
      case 'AWS::Events::EventBus.Name':
      case 'AWS::SNS::Topic.TopicName':
        return name();
    }
    // Attributes the local runtime has no meaning for (role ids…): a stable placeholder.
    return `${logicalId}.${attribute}`;
  }

  condition(name: string): boolean {
    const expr = this.raw.Conditions?.[name];
    if (expr === undefined) throw new Error(`unknown condition ${name}`);
    return Boolean(this.resolve(expr));
  }

  /** Resolves every intrinsic function in a value. */
  resolve(value: CfnValue): Json {
    const out = this.resolveInner(value);
    return out === NO_VALUE ? undefined : out;
  }

  private resolveInner(value: CfnValue): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolveInner(v)).filter((v) => v !== NO_VALUE);
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, Json];
      if (key === 'Ref') return this.ref(String(arg));
      if (key === 'Condition') return this.condition(String(arg));
      if (key.startsWith('Fn::')) return this.fn(key, arg);
    }
    const result: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const resolved = this.resolveInner(v);
      if (resolved !== NO_VALUE) result[k] = resolved;
    }
    return result;
  }

  private fn(name: string, arg: Json): unknown {
    const r = (v: unknown) => this.resolveInner(v);
    switch (name) {
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        return this.getAtt(String(id), String(r(attr)));
      }
      case 'Fn::Join': {
        const [sep, list] = arg as [string, unknown];
        return (r(list) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = r(list) as unknown[];
        return items[Number(r(index))];
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return String(r(source)).split(sep);
      }
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::If': {
        const [cond, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        return this.condition(cond) ? r(whenTrue) : r(whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = arg as [unknown, unknown];
        return JSON.stringify(r(a)) === JSON.stringify(r(b));
      }
      case 'Fn::Not':
        return !r((arg as unknown[])[0]);
      case 'Fn::And':
        return (arg as unknown[]).every((c) => r(c));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => r(c));
      case 'Fn::Base64':
        return Buffer.from(String(r(arg))).toString('base64');
      case 'Fn::FindInMap': {
        const [map, top, second] = (arg as unknown[]).map((v) => String(r(v)));
        const found = this.raw.Mappings?.[map as string]?.[top as string]?.[second as string];
        if (found === undefined) throw new Error(`Fn::FindInMap ${map}/${top}/${second} not found`);
        return found;
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${REGION}${z}`);
      case 'Fn::ToJsonString':
        return JSON.stringify(r(arg));
    }
    throw new Error(`${name} is not supported by the local runtime`);
  }

  private sub(arg: unknown): string {
    const [text, vars] = Array.isArray(arg)
      ? (arg as [string, Record<string, unknown>])
      : [arg as string, {}];
    return String(text).replace(/\$\{([^}]*)\}/g, (whole, expr: string) => {
      if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
      if (expr in vars) return String(this.resolveInner(vars[expr]));
      const dot = expr.indexOf('.');
      if (dot > 0 && !expr.startsWith('AWS::'))
        return String(this.getAtt(expr.slice(0, dot), expr.slice(dot + 1)));
      const value = this.ref(expr);
      if (value === NO_VALUE) throw new Error(`cannot substitute ${whole}`);
      return String(value);
    });
  }

  /** The template's Outputs, resolved to strings. */
  outputs(): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [key, output] of Object.entries(this.raw.Outputs ?? {})) {
      if (output.Condition && !this.condition(output.Condition)) continue;
      const value = this.resolve(output.Value);
      result[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return result;
  }

  /** The logical id of the resource of `type` whose ARN (or, for queues, URL) is `value`. */
  findByArn(type: string, value: string): string | undefined {
    const plain = type === 'AWS::Lambda::Function' ? value.split(':').slice(0, 7).join(':') : value;
    return this.ofType(type).find(
      ([id]) =>
        this.arn(id) === plain ||
        this.physicalName(id) === plain ||
        (type === 'AWS::SQS::Queue' && this.queueUrl(id) === value),
    )?.[0];
  }
}
