import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A folder of JSON files, one per id, each written to a temporary name and renamed, so a kill -9 leaves a
 * whole file or none (the journals of a durable local stack keep their entries here).
 */
export class JsonFiles<T> {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(id: string, value: T): void {
    const file = this.file(id);
    writeFileSync(`${file}.tmp`, JSON.stringify(value));
    renameSync(`${file}.tmp`, file);
  }

  /** The stored value; undefined when there is none or it does not parse. */
  read(id: string): T | undefined {
    try {
      return JSON.parse(readFileSync(this.file(id), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** True when a file was there. */
  remove(id: string): boolean {
    try {
      rmSync(this.file(id));
      return true;
    } catch {
      return false;
    }
  }

  /** The ids stored (interrupted writes left out). */
  ids(): string[] {
    return readdirSync(this.dir).filter((name) => !name.endsWith('.tmp'));
  }

  private file(id: string): string {
    // Ids are UUIDs; anything else is kept out of the path.
    return join(this.dir, id.replace(/[^A-Za-z0-9-]/g, '_'));
  }
}
