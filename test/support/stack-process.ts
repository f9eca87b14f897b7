import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * `npm start`'s entry as a child process on its own data folder and ports, for tests and the soak that
 * kill it: start() resolves once it serves, kill() SIGKILLs its whole process group (the stack, its
 * transcoder tasks and their ffmpeg), and the helpers retry through the moments it is down, as a client
 * would.
 */
export interface StackPorts {
  api: number;
  s3: number;
  dynamodb: number;
  sqs: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class StackProcess {
  readonly log: string[] = [];
  apiKey = '';
  /** When each start() began and when the stack served, and when each kill() happened (epoch ms). */
  readonly starts: { began: number; serving: number }[] = [];
  readonly kills: number[] = [];
  private child: ChildProcess | undefined;
  private buckets: { uploads: string; outputs: string } | undefined;
  private s3Client: S3Client | undefined;

  private constructor(
    readonly dataDir: string,
    readonly ports: StackPorts,
    private readonly env: Record<string, string>,
  ) {}

  static async create(dataDir: string, env: Record<string, string> = {}): Promise<StackProcess> {
    const ports = {
      api: await freePort(),
      s3: await freePort(),
      dynamodb: await freePort(),
      sqs: await freePort(),
    };
    return new StackProcess(dataDir, ports, env);
  }

  get s3(): S3Client {
    this.s3Client ??= new S3Client({
      endpoint: `http://127.0.0.1:${this.ports.s3}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    return this.s3Client;
  }

  async start(timeoutMs = 120_000): Promise<void> {
    const began = Date.now();
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'bin/local.ts', '--data-dir', this.dataDir, '--no-stack-file'],
      {
        cwd: process.cwd(),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          MP_API_PORT: String(this.ports.api),
          MP_S3_PORT: String(this.ports.s3),
          MP_DYNAMODB_PORT: String(this.ports.dynamodb),
          MP_SQS_PORT: String(this.ports.sqs),
          ...this.env,
        },
      },
    );
    this.child = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stack did not start:\n${this.tail()}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) if (line.trim()) this.log.push(line);
        if (this.log.length > 20_000) this.log.splice(0, 10_000);
        if (chunk.toString().includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`stack exited with ${code} during start:\n${this.tail()}`));
      });
    });
    proc.removeAllListeners('exit');
    this.starts.push({ began, serving: Date.now() });
    const saved = JSON.parse(await readFile(join(this.dataDir, 'api-key.json'), 'utf8')) as {
      apiKey: string;
    };
    if (this.apiKey && saved.apiKey !== this.apiKey) throw new Error('the API key changed across a restart');
    this.apiKey = saved.apiKey;
  }

  /** SIGKILL to the whole process group: the stack and every process it started. */
  async kill(): Promise<void> {
    const proc = this.child;
    if (!proc?.pid) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    process.kill(-proc.pid, 'SIGKILL');
    this.kills.push(Date.now());
    await exited;
    this.child = undefined;
  }

  /** SIGTERM to the stack's own process (as `kill <pid>` or Ctrl-C): resolves with its exit code and how long it took. */
  async terminate(): Promise<{ code: number | null; ms: number }> {
    const proc = this.child;
    if (!proc?.pid) throw new Error('the stack is not running');
    const began = Date.now();
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    const code = await exited;
    this.child = undefined;
    return { code, ms: Date.now() - began };
  }

  async close(): Promise<void> {
    await this.kill().catch(() => undefined);
    this.s3Client?.destroy();
  }

  tail(lines = 30): string {
    return this.log.slice(-lines).join('\n');
  }

  async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`http://127.0.0.1:${this.ports.api}${path}`, {
      method,
      headers: { 'x-api-key': this.apiKey, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const retryAfter = Number(response.headers.get('retry-after')) || undefined;
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
      retryAfter,
    };
  }

  /**
   * A real client's call: retried with the same Idempotency-Key while the stack is down or answers 5xx,
   * and after Retry-After when rate-limited. Returns the 2xx body; another 4xx throws.
   */
  async retried(method: string, path: string, body: unknown, idempotencyKey: string) {
    for (let attempt = 0; ; attempt++) {
      try {
        const {
          status,
          body: answer,
          retryAfter,
        } = await this.api(method, path, body, {
          'idempotency-key': idempotencyKey,
        });
        if (status >= 200 && status < 300) return answer;
        // Rate-limited: wait as told, as a real client does.
        if (status === 429) {
          await new Promise((r) => setTimeout(r, (retryAfter ?? 1) * 1000));
          continue;
        }
        if (status < 500) throw new Error(`${method} ${path} answered ${status}: ${JSON.stringify(answer)}`);
      } catch (error) {
        if (attempt > 400 || (error as Error).message.includes(' answered ')) throw error;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const Bucket = this.bucketNames().uploads;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType }));
        return;
      } catch (error) {
        if (attempt > 400) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** The buckets the template names, as the banner lists them. */
  bucketNames(): { uploads: string; outputs: string } {
    if (!this.buckets) {
      const find = (label: string) =>
        this.log
          .find((l) => l.includes(`${label} s3://`))
          ?.split('s3://')[1]
          ?.trim();
      const uploads = find('uploads     ');
      const outputs = find('outputs     ');
      if (!uploads || !outputs) throw new Error('bucket names not in the banner');
      this.buckets = { uploads, outputs };
    }
    return this.buckets;
  }
}
