/**
 * An EventBridge event-pattern matcher for the local event bus (no faithful npm library exists).
 *
 * Semantics follow the EventBridge user guide ("Event patterns", "Arrays in event patterns",
 * "Comparison operators for use in event patterns"):
 * - keys AND together; the values in a leaf array OR together; `$or` takes alternative sub-patterns;
 * - a leaf array matches when any of its matchers matches the event value, and an event array when
 *   any of its elements does (non-empty intersection);
 * - matchers: exact value (string, number compared numerically, boolean, null), `prefix`, `suffix`
 *   (both also with `equals-ignore-case`), `equals-ignore-case`, `wildcard`, `anything-but` (a value,
 *   a list of strings or of numbers, `prefix`, `suffix`, `equals-ignore-case`, `wildcard`), `numeric`,
 *   `exists`, `cidr` (IPv4 and IPv6);
 * - a missing field matches only `exists: false`; an object is not a leaf, so `exists: false` matches it
 *   and every other matcher does not.
 * `compilePattern` validates once (throwing `EventPatternError` on a malformed pattern) and returns a
 * predicate; `matchesPattern` is the one-shot form.
 */
import ipaddr from 'ipaddr.js';

export class EventPatternError extends Error {
  constructor(message: string, path: string[]) {
    super(`invalid event pattern at ${path.length > 0 ? path.join('.') : '(root)'}: ${message}`);
    this.name = 'EventPatternError';
  }
}

type Leaf = (value: unknown) => boolean;
type Exists = { exists: boolean };
interface LeafNode {
  kind: 'leaf';
  matchers: Leaf[];
  exists: Exists[];
}
interface ObjectNode {
  kind: 'object';
  fields: [string, LeafNode | ObjectNode][];
  ors: ObjectNode[][];
}

const NUMERIC_LIMIT = 5e9;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is string | number | boolean | null =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));

function fail(message: string, path: string[]): never {
  throw new EventPatternError(message, path);
}

function stringOf(v: unknown, what: string, path: string[]): string {
  if (typeof v !== 'string') fail(`${what} must be a string`, path);
  return v;
}

/** `"x"` or `{ "equals-ignore-case": "x" }`, as `prefix`/`suffix` take. */
function caseOption(v: unknown, what: string, path: string[]): { text: string; ignoreCase: boolean } {
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case')
      fail(`${what} takes a string or equals-ignore-case`, path);
    return { text: stringOf(v['equals-ignore-case'], what, path), ignoreCase: true };
  }
  return { text: stringOf(v, what, path), ignoreCase: false };
}

/** `*` is any run of characters; `\*` and `\\` are literal; `**` is not allowed (as in EventBridge). */
export function wildcardRegExp(pattern: string, path: string[] = []): RegExp {
  if (pattern.includes('**')) fail('wildcard may not contain consecutive *', path);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      const next = pattern.charAt(i + 1);
      if (next !== '*' && next !== '\\') fail('in a wildcard, \\ may only escape * or \\', path);
      source += `\\${next}`;
      i++;
    } else if (c === '*') source += '.*';
    else source += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

const lower = (s: string) => s.toLowerCase();
const str =
  (test: (s: string) => boolean): Leaf =>
  (v) =>
    typeof v === 'string' && test(v);

function prefixLeaf(arg: unknown, path: string[]): (s: string) => boolean {
  const { text, ignoreCase } = caseOption(arg, 'prefix', path);
  return ignoreCase ? (s) => lower(s).startsWith(lower(text)) : (s) => s.startsWith(text);
}
function suffixLeaf(arg: unknown, path: string[]): (s: string) => boolean {
  const { text, ignoreCase } = caseOption(arg, 'suffix', path);
  return ignoreCase ? (s) => lower(s).endsWith(lower(text)) : (s) => s.endsWith(text);
}

function scalarEquals(a: unknown, b: unknown): boolean {
  return a === b;
}

function stringList(v: unknown, what: string, path: string[]): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((s) => typeof s === 'string')) fail(`${what} takes strings`, path);
  return list as string[];
}

function anythingBut(arg: unknown, path: string[]): Leaf {
  if (isPlainObject(arg)) {
    const keys = Object.keys(arg);
    if (keys.length !== 1) fail('anything-but takes one operator', path);
    const [op] = keys as [string];
    const value = arg[op];
    switch (op) {
      case 'prefix':
        return (v) => !(typeof v === 'string' && prefixLeaf(value, path)(v));
      case 'suffix':
        return (v) => !(typeof v === 'string' && suffixLeaf(value, path)(v));
      case 'equals-ignore-case': {
        const set = new Set(stringList(value, op, path).map(lower));
        return (v) => !(typeof v === 'string' && set.has(lower(v)));
      }
      case 'wildcard': {
        const res = stringList(value, op, path).map((w) => wildcardRegExp(w, path));
        return (v) => !(typeof v === 'string' && res.some((re) => re.test(v)));
      }
      default:
        fail(`anything-but does not support ${op}`, path);
    }
  }
  const list = Array.isArray(arg) ? arg : [arg];
  const allStrings = list.every((x) => typeof x === 'string');
  const allNumbers = list.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (list.length === 0 || !(allStrings || allNumbers)) {
    fail('anything-but takes a string, a number, or a list of only strings or only numbers', path);
  }
  return (v) => !list.some((x) => scalarEquals(x, v));
}

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numeric(arg: unknown, path: string[]): Leaf {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4))
    fail('numeric takes [op, n] or [op, n, op, n]', path);
  const checks: ((n: number) => boolean)[] = [];
  const ops: string[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const bound = arg[i + 1];
    const compare = typeof op === 'string' ? COMPARATORS[op] : undefined;
    if (!compare) fail(`numeric operator must be one of ${Object.keys(COMPARATORS).join(' ')}`, path);
    if (typeof bound !== 'number' || !Number.isFinite(bound) || Math.abs(bound) > NUMERIC_LIMIT) {
      fail(`numeric bound must be a number within ±${NUMERIC_LIMIT}`, path);
    }
    ops.push(op as string);
    checks.push((n) => compare(n, bound));
  }
  if (ops.length === 2) {
    const [first, second] = ops as [string, string];
    const lowerBound = first === '>' || first === '>=';
    const upperBound = second === '<' || second === '<=';
    if (!lowerBound || !upperBound)
      fail('a numeric range is a lower bound (> or >=) then an upper (< or <=)', path);
  }
  return (v) => typeof v === 'number' && checks.every((check) => check(v));
}

function cidr(arg: unknown, path: string[]): Leaf {
  const text = stringOf(arg, 'cidr', path);
  if (!ipaddr.isValidCIDR(text)) fail('cidr must be an IPv4 or IPv6 CIDR block', path);
  const range = ipaddr.parseCIDR(text);
  return str((s) => {
    if (!ipaddr.IPv4.isValidFourPartDecimal(s) && !ipaddr.IPv6.isValid(s)) return false;
    const addr = ipaddr.parse(s);
    return addr.kind() === range[0].kind() && addr.match(range);
  });
}

function compileMatcher(m: unknown, path: string[], exists: Exists[]): Leaf | undefined {
  if (isScalar(m)) return (v) => scalarEquals(m, v);
  if (!isPlainObject(m))
    fail('a match value must be a string, number, boolean, null or an operator object', path);
  const keys = Object.keys(m);
  if (keys.length !== 1) fail(`an operator object has exactly one key, got ${keys.length}`, path);
  const [op] = keys as [string];
  const arg = m[op];
  switch (op) {
    case 'prefix':
      return str(prefixLeaf(arg, path));
    case 'suffix':
      return str(suffixLeaf(arg, path));
    case 'equals-ignore-case': {
      const text = lower(stringOf(arg, op, path));
      return str((s) => lower(s) === text);
    }
    case 'wildcard': {
      const re = wildcardRegExp(stringOf(arg, op, path), path);
      return str((s) => re.test(s));
    }
    case 'anything-but':
      return anythingBut(arg, path);
    case 'numeric':
      return numeric(arg, path);
    case 'cidr':
      return cidr(arg, path);
    case 'exists':
      if (typeof arg !== 'boolean') fail('exists takes true or false', path);
      exists.push({ exists: arg });
      return undefined;
    default:
      fail(`unknown operator ${op}`, path);
  }
}

function compileObject(pattern: unknown, path: string[]): ObjectNode {
  if (!isPlainObject(pattern)) fail('a pattern must be a JSON object', path);
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail('a pattern object may not be empty', path);
  const node: ObjectNode = { kind: 'object', fields: [], ors: [] };
  for (const key of keys) {
    const value = pattern[key];
    const at = [...path, key];
    if (key === '$or') {
      if (!Array.isArray(value) || value.length === 0) fail('$or takes a non-empty array of patterns', at);
      node.ors.push(value.map((alt, i) => compileObject(alt, [...at, String(i)])));
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail('a match array may not be empty', at);
      const leaf: LeafNode = { kind: 'leaf', matchers: [], exists: [] };
      value.forEach((m, i) => {
        const matcher = compileMatcher(m, [...at, String(i)], leaf.exists);
        if (matcher) leaf.matchers.push(matcher);
      });
      node.fields.push([key, leaf]);
    } else if (isPlainObject(value)) {
      node.fields.push([key, compileObject(value, at)]);
    } else {
      fail('a field must map to an array of match values or to a nested pattern object', at);
    }
  }
  return node;
}

function matchLeaf(leaf: LeafNode, value: unknown): boolean {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const leaves = values.filter((v) => !isPlainObject(v) && !Array.isArray(v));
  // Exists looks at the field as a whole: does it hold at least one leaf value?
  if (leaf.exists.some((e) => e.exists === leaves.length > 0)) return true;
  return leaves.some((v) => leaf.matchers.some((m) => m(v)));
}

function matchObject(node: ObjectNode, event: unknown): boolean {
  const get = (key: string) => (isPlainObject(event) ? event[key] : undefined);
  for (const [key, child] of node.fields) {
    const value = get(key);
    if (child.kind === 'leaf') {
      if (!matchLeaf(child, value)) return false;
    } else if (Array.isArray(value) && value.length > 0) {
      if (!value.some((element) => matchObject(child, element))) return false;
    } else if (!matchObject(child, value)) return false;
  }
  return node.ors.every((alternatives) => alternatives.some((alt) => matchObject(alt, event)));
}

/** Parses (if a JSON string) and validates a pattern; throws EventPatternError when malformed. */
export function compilePattern(pattern: unknown): (event: unknown) => boolean {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw new EventPatternError(`not JSON (${(error as Error).message})`, []);
    }
  }
  const root = compileObject(parsed, []);
  return (event) => matchObject(root, event);
}

/** Validates a pattern, throwing EventPatternError when malformed. */
export function validatePattern(pattern: unknown): void {
  compilePattern(pattern);
}

export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return compilePattern(pattern)(event);
}
