import type { ConflictRecord } from '../../core/conflicts/conflict-log.ts';

/** The conflicting fields of one update: what a person decides on together. */
export interface ConflictGroup {
  updateId: number;
  company: string;
  orderNumber: string;
  detectedAt: string;
  fields: ConflictRecord[];
}

/** Open conflict records grouped by update, newest first; a field detected twice keeps its latest record. */
export function groupConflicts(records: readonly ConflictRecord[]): ConflictGroup[] {
  const groups = new Map<number, ConflictGroup>();
  for (const r of records) {
    let g = groups.get(r.updateId);
    if (!g) {
      g = { updateId: r.updateId, company: r.company, orderNumber: r.orderNumber, detectedAt: r.detectedAt, fields: [] };
      groups.set(r.updateId, g);
    }
    const same = g.fields.findIndex((f) => f.field === r.field);
    if (same < 0) g.fields.push(r);
    else if (r.detectedAt > g.fields[same]!.detectedAt) g.fields[same] = r;
    if (r.detectedAt > g.detectedAt) g.detectedAt = r.detectedAt;
  }
  return [...groups.values()].sort((a, b) => (a.detectedAt < b.detectedAt ? 1 : a.detectedAt > b.detectedAt ? -1 : b.updateId - a.updateId));
}
