import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUEST_LINE_FORMS, SINGLE_REQUESTS_FOR_MS, type BatchSettings } from '../../../core/d365/batch-settings.ts';
import { BatchSettingsSchema } from '../../../core/settings.ts';

describe('batch settings: what a connection learned about its server\'s $batch', () => {
  it('the request-line forms are the three OData allows, relative first (the default)', () => {
    expect(REQUEST_LINE_FORMS).toEqual(['relative', 'absolute-path', 'absolute-uri']);
  });

  it('every form, a limit and a "single requests until" survive being stored with the connection', () => {
    for (const requestLines of REQUEST_LINE_FORMS) {
      const learned: BatchSettings = { requestLines, maxOperations: 20, singleRequestsUntil: Date.UTC(2026, 10, 22) + SINGLE_REQUESTS_FOR_MS };
      expect(BatchSettingsSchema.parse(JSON.parse(JSON.stringify(learned)))).toEqual(learned);
    }
    expect(BatchSettingsSchema.safeParse({ requestLines: 'relative-ish' }).success).toBe(false);
  });

  it('sends singly for six hours after unusable $batch answers', () => {
    expect(SINGLE_REQUESTS_FOR_MS).toBe(6 * 3_600_000);
  });

  it('needs nothing from Node: the UI bundle reads it too', () => {
    const source = fs.readFileSync(path.join(import.meta.dirname, '../../../core/d365/batch-settings.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
  });
});
