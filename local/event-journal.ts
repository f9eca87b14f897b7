import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * EventBridge keeps an accepted event until every matched target has it (or its retries ran out); the local
 * bus delivers from memory. This journal, kept by a durable stack's bus, holds each accepted event on disk
 * from before PutEvents answers until its last target's delivery ends, so a stop or a kill -9 in between
 * sends it again at the next start (at-least-once, as EventBridge delivers). One file per event.
 */
export interface JournaledEvent {
  bus: string;
  /** The envelope as the bus delivers it. */
  event: { id: string; time?: string };
  /** `ruleLogicalId/targetId` of the deliveries not yet ended. */
  pending: string[];
}

export const targetKey = (ruleLogicalId: string, targetId: string) => `${ruleLogicalId}/${targetId}`;

export class EventJournal {
  private readonly open = new Map<string, JournaledEvent>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  accepted(entry: JournaledEvent): void {
    if (!entry.pending.length) return;
    this.open.set(entry.event.id, entry);
    this.write(entry);
  }

  /** One target's delivery ended (delivered, or given up and dead-lettered). */
  delivered(eventId: string, key: string): void {
    const entry = this.open.get(eventId);
    if (!entry) return;
    entry.pending = entry.pending.filter((k) => k !== key);
    if (entry.pending.length) {
      this.write(entry);
      return;
    }
    this.open.delete(eventId);
    rmSync(this.file(eventId), { force: true });
  }

  /** The events a restart finds, oldest first; they stay journaled until delivered again. */
  entries(): JournaledEvent[] {
    const found: JournaledEvent[] = [];
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith('.tmp')) continue;
      try {
        const entry = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as JournaledEvent;
        this.open.set(entry.event.id, entry);
        found.push(entry);
      } catch {
        rmSync(join(this.dir, name), { force: true });
      }
    }
    return found.sort((a, b) => String(a.event.time).localeCompare(String(b.event.time)));
  }

  private write(entry: JournaledEvent): void {
    const file = this.file(entry.event.id);
    writeFileSync(`${file}.tmp`, JSON.stringify(entry));
    renameSync(`${file}.tmp`, file);
  }

  private file(eventId: string): string {
    return join(this.dir, eventId.replace(/[^A-Za-z0-9-]/g, '_'));
  }
}
