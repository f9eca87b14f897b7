/** One dependency the service needs to answer requests; `check` rejects when it does not answer. */
export interface HealthProbe {
  name: string;
  check(signal: AbortSignal): Promise<void>;
}

export interface HealthCheck {
  status: 'pass' | 'fail';
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'pass' | 'fail';
  checks: Record<string, HealthCheck>;
  time: string;
}

export interface HealthOptions {
  /** A probe that takes longer fails (a load balancer's own timeout is usually 5 s). */
  timeoutMs?: number;
  /** A report is reused this long: the route needs no key, so callers must not multiply probe calls. */
  cacheMs?: number;
  now?: () => number;
}

/**
 * Runs every probe in parallel with a deadline and reports pass only when all pass. Results are cached
 * briefly, and one run is shared by concurrent callers.
 */
export function healthChecker(probes: readonly HealthProbe[], options: HealthOptions = {}) {
  const { timeoutMs = 2000, cacheMs = 5000, now = Date.now } = options;
  let cached: { at: number; report: Promise<HealthReport> } | undefined;

  async function run(): Promise<HealthReport> {
    const results = await Promise.all(
      probes.map(async (probe): Promise<[string, HealthCheck]> => {
        const started = now();
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          await Promise.race([
            probe.check(signal),
            new Promise((_, reject) =>
              signal.addEventListener('abort', () =>
                reject(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { name: 'TimeoutError' })),
              ),
            ),
          ]);
          return [probe.name, { status: 'pass', latencyMs: now() - started }];
        } catch (error) {
          // The route needs no key: the error's name only (an AWS message names accounts, roles and tables).
          const name = error instanceof Error ? error.name : 'Error';
          return [probe.name, { status: 'fail', latencyMs: now() - started, error: name.slice(0, 100) }];
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const status = results.every(([, check]) => check.status === 'pass') ? 'pass' : 'fail';
    return { status, checks, time: new Date(now()).toISOString() };
  }

  return (): Promise<HealthReport> => {
    const at = now();
    if (!cached || at - cached.at >= cacheMs) cached = { at, report: run() };
    return cached.report;
  };
}
