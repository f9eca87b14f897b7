/**
 * `npm run test:stress -- [N] [--parallel P] [--shuffle-tests] [vitest filters…]`
 *
 * Runs the suite (or the files the filters pick) N times, P runs at a time, each with its own TEST_SEED and
 * a shuffled file order, and reports every test that did not pass in every run, with the seeds of the runs
 * it failed in. Each run's log and JSON report stay in the printed folder. Exit code 1 if any run failed.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

interface Options {
  runs: number;
  parallel: number;
  shuffleTests: boolean;
  filters: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = { runs: 10, parallel: 1, shuffleTests: false, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--parallel' || arg === '-p') options.parallel = positive(argv[++i], arg);
    else if (arg.startsWith('--parallel=')) options.parallel = positive(arg.slice(11), '--parallel');
    else if (arg === '--shuffle-tests') options.shuffleTests = true;
    else if (/^\d+$/.test(arg) && i === 0) options.runs = positive(arg, 'N');
    else options.filters.push(arg);
  }
  return options;
}

function positive(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive integer, got ${value}`);
  return n;
}

interface JsonReport {
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{
      fullName: string;
      status: string;
      duration?: number | null;
      failureMessages?: string[];
    }>;
  }>;
}

interface TestRecord {
  passed: number;
  failed: number;
  durations: number[];
  failures: Array<{ run: number; seed: number; message: string }>;
}

interface RunResult {
  run: number;
  seed: number;
  exitCode: number;
  seconds: number;
  report?: JsonReport;
}

const root = process.cwd();
const vitest = join(root, 'node_modules', '.bin', 'vitest');

function runOnce(run: number, seed: number, options: Options, dir: string): Promise<RunResult> {
  const jsonFile = join(dir, `run-${run}.json`);
  const args = [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${jsonFile}`,
    '--sequence.shuffle.files',
    ...(options.shuffleTests ? ['--sequence.shuffle.tests'] : []),
    `--sequence.seed=${seed}`,
    ...options.filters,
  ];
  const log = createWriteStream(join(dir, `run-${run}.log`));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(vitest, args, {
      cwd: root,
      env: { ...process.env, TEST_SEED: String(seed), CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('close', (code) => {
      log.end();
      let report: JsonReport | undefined;
      try {
        report = JSON.parse(readFileSync(jsonFile, 'utf8')) as JsonReport;
      } catch {
        report = undefined;
      }
      resolve({ run, seed, exitCode: code ?? 1, seconds: (Date.now() - started) / 1000, report });
    });
  });
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n').find((line) => line.trim().length > 0) ?? '(no message)';
}

function record(tests: Map<string, TestRecord>, result: RunResult) {
  const entry = (key: string) => {
    let found = tests.get(key);
    if (!found) {
      found = { passed: 0, failed: 0, durations: [], failures: [] };
      tests.set(key, found);
    }
    return found;
  };
  if (!result.report) {
    entry('(the run itself)').failures.push({
      run: result.run,
      seed: result.seed,
      message: `no JSON report; exit code ${result.exitCode}`,
    });
    entry('(the run itself)').failed++;
    return;
  }
  for (const file of result.report.testResults) {
    const name = relative(root, file.name);
    const assertionFailed = file.assertionResults.some((test) => test.status === 'failed');
    if (file.status === 'failed' && !assertionFailed) {
      const e = entry(`${name} (file: hooks or import)`);
      e.failed++;
      e.failures.push({ run: result.run, seed: result.seed, message: firstLine(file.message) });
    }
    for (const test of file.assertionResults) {
      const e = entry(`${name} > ${test.fullName}`);
      if (test.status === 'passed') {
        e.passed++;
        if (typeof test.duration === 'number') e.durations.push(test.duration);
      } else if (test.status === 'failed') {
        e.failed++;
        e.failures.push({
          run: result.run,
          seed: result.seed,
          message: firstLine(test.failureMessages?.[0]),
        });
      }
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'mp-stress-'));
  const baseSeed = Number.parseInt(process.env.TEST_SEED ?? String(Date.now() % 1_000_000), 10);
  console.log(
    `Stress: ${options.runs} runs, ${options.parallel} at a time, base seed ${baseSeed}; logs in ${dir}`,
  );
  const tests = new Map<string, TestRecord>();
  const results: RunResult[] = [];
  let next = 0;
  const lane = async () => {
    while (next < options.runs) {
      const run = next++;
      const result = await runOnce(run, baseSeed + run, options, dir);
      record(tests, result);
      results.push(result);
      const counts = { passed: 0, failed: 0, skipped: 0 };
      for (const file of result.report?.testResults ?? []) {
        for (const test of file.assertionResults) {
          if (test.status === 'passed') counts.passed++;
          else if (test.status === 'failed') counts.failed++;
          else counts.skipped++;
        }
      }
      console.log(
        `run ${run} (seed ${result.seed}): exit ${result.exitCode}, ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${result.seconds.toFixed(0)} s`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.parallel, options.runs) }, lane));

  const unstable = [...tests.entries()].filter(([, t]) => t.failed > 0);
  if (unstable.length === 0) console.log('\nNo unstable test.');
  for (const [name, t] of unstable) {
    console.log(`\nUNSTABLE ${name}: failed ${t.failed} of ${t.passed + t.failed}`);
    for (const f of t.failures) console.log(`  run ${f.run} (TEST_SEED=${f.seed}): ${f.message}`);
  }
  const slowest = [...tests.entries()]
    .filter(([, t]) => t.durations.length > 0)
    .map(([name, t]) => ({ name, ms: median(t.durations), max: Math.max(...t.durations) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 10);
  console.log('\nSlowest tests (median / max over the runs):');
  for (const s of slowest)
    console.log(`  ${(s.ms / 1000).toFixed(1)} s / ${(s.max / 1000).toFixed(1)} s  ${s.name}`);
  const failedRuns = results.filter((r) => r.exitCode !== 0).length;
  const wall = results.map((r) => r.seconds);
  console.log(`\nRun times: median ${median(wall).toFixed(0)} s, max ${Math.max(...wall).toFixed(0)} s`);
  console.log(`Stress: ${results.length - failedRuns} runs passed, ${failedRuns} runs failed`);
  process.exitCode = failedRuns > 0 ? 1 : 0;
}

await main();
