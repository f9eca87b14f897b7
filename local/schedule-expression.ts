/**
 * EventBridge Scheduler expressions: `at(yyyy-mm-ddThh:mm:ss)` in a time zone (IANA names, as Intl knows them),
 * `rate(n unit)` and `cron(6 fields)`. Only one-time `at()` schedules run locally.
 */
export type ParsedExpression = { kind: 'at'; dueAt: number } | { kind: 'rate' | 'cron' };

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE = /^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;

/** Undefined when the expression is malformed or the time zone unknown (the caller answers ValidationException). */
export function parseScheduleExpression(expression: string, timeZone = 'UTC'): ParsedExpression | undefined {
  if (RATE.test(expression)) return { kind: 'rate' };
  if (CRON.test(expression)) return { kind: 'cron' };
  const at = AT.exec(expression);
  if (!at) return undefined;
  const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  // Date.UTC rolls 2025-02-30 over to March: such a date does not exist.
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined;
  const offset = zoneOffset(timeZone);
  if (!offset) return undefined;
  // The offset at the wall time itself; a second pass settles times near a daylight-saving change.
  const first = wall - offset(wall);
  return { kind: 'at', dueAt: wall - offset(first) };
}

/** How far `timeZone`'s wall clock is ahead of UTC at an instant (ms), or undefined for an unknown zone. */
function zoneOffset(timeZone: string): ((instant: number) => number) | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  return (instant) => {
    const parts = Object.fromEntries(
      format.formatToParts(new Date(instant)).map((p) => [p.type, Number(p.value)]),
    ) as Record<string, number>;
    const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    return wall - Math.floor(instant / 1000) * 1000;
  };
}
