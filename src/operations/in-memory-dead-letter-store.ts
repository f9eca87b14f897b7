import type { DeadLetter, DeadLetterStore } from './ports.js';

/** The DeadLetterStore of the unit tests (test/contract holds it to the DynamoDB adapter's behaviour). */
export class InMemoryDeadLetterStore implements DeadLetterStore {
  private readonly items = new Map<string, DeadLetter>();

  async put(deadLetter: DeadLetter): Promise<void> {
    this.items.set(`${deadLetter.tenant}/${deadLetter.jobId}`, { ...deadLetter });
  }

  async list(tenant: string, options: { limit: number; cursor?: string }) {
    const all = [...this.items.values()]
      .filter((d) => d.tenant === tenant)
      .sort((a, b) => a.jobId.localeCompare(b.jobId));
    let start = 0;
    if (options.cursor !== undefined) {
      const index = all.findIndex((d) => d.jobId === options.cursor);
      if (index < 0) throw Object.assign(new Error('invalid list cursor'), { name: 'InvalidCursorError' });
      start = index + 1;
    }
    const page = all.slice(start, start + options.limit);
    const more = start + options.limit < all.length;
    return { deadLetters: page.map((d) => ({ ...d })), cursor: more ? page.at(-1)?.jobId : undefined };
  }

  async count(tenant: string, upTo: number): Promise<number> {
    return Math.min(upTo, [...this.items.values()].filter((d) => d.tenant === tenant).length);
  }

  async remove(tenant: string, jobId: string): Promise<void> {
    this.items.delete(`${tenant}/${jobId}`);
  }
}
