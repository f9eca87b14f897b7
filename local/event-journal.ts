import { JsonFiles } from './json-files.js';

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
  private readonly files: JsonFiles<JournaledEvent>;

  constructor(dir: string) {
    this.files = new JsonFiles(dir);
  }

  accepted(entry: JournaledEvent): void {
    if (!entry.pending.length) return;
    this.open.set(entry.event.id, entry);
    this.files.write(entry.event.id, entry);
  }

  /** One target's delivery ended (delivered, or given up and dead-lettered). */
  delivered(eventId: string, key: string): void {
    const entry = this.open.get(eventId);
    if (!entry) return;
    entry.pending = entry.pending.filter((k) => k !== key);
    if (entry.pending.length) {
      this.files.write(eventId, entry);
      return;
    }
    this.open.delete(eventId);
    this.files.remove(eventId);
  }

  /** The events a restart finds, oldest first; they stay journaled until delivered again. */
  entries(): JournaledEvent[] {
    const found: JournaledEvent[] = [];
    for (const id of this.files.ids()) {
      const entry = this.files.read(id);
      if (!entry) {
        this.files.remove(id);
        continue;
      }
      this.open.set(entry.event.id, entry);
      found.push(entry);
    }
    return found.sort((a, b) => String(a.event.time).localeCompare(String(b.event.time)));
  }
}
