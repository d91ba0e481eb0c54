/**
 * Who may import whom: the rooms of ARCHITECTURE.md, checked over the real import graph (every
 * relative `import`/`export … from` and dynamic `import()` of core/, main/ and renderer/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => /\.(c?ts|tsx)$/.test(f))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

interface Edge {
  from: string;
  to: string;
  /** import type …: erased at run time */
  typeOnly: boolean;
  dynamic: boolean;
}

/** Every import of a file, resolved to a path relative to the repository. */
function importsOf(file: string): Edge[] {
  const text = read(file);
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean, dynamic: boolean) => {
    const to = spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) : spec;
    edges.push({ from: file, to, typeOnly, dynamic });
  };
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) add(m[2]!, Boolean(m[1]), false);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1]!, false, true);
  return edges;
}

const ALL = [...sources('core'), ...sources('main'), ...sources('renderer')];
const EDGES = ALL.flatMap(importsOf);
const within = (prefix: string) => EDGES.filter((e) => e.from.startsWith(prefix));
const show = (edges: Edge[]) => edges.map((e) => `${e.from} → ${e.to}${e.typeOnly ? ' (type)' : ''}`);

describe('module boundaries', () => {
  it('the parser sees the real graph (a file known to import another is found)', () => {
    expect(show(EDGES)).toContain('core/agent.ts → core/outbox/outbox.ts');
    expect(EDGES.some((e) => e.from === 'core/agent.ts' && e.to === 'core/simulator/simulator.ts' && e.dynamic)).toBe(true);
  });

  it('core/ imports no electron, react, DOM, host or UI', () => {
    const bad = within('core/').filter((e) => /^(electron|react|react-dom|react-intl)(\/|$)/.test(e.to) || /^(main|renderer)\//.test(e.to));
    expect(show(bad)).toEqual([]);
    const dom = sources('core').filter((f) => /\bdocument\.|\bwindow\./.test(read(f)));
    expect(dom).toEqual([]);
  });

  it('each room of core/ depends only on the rooms below it', () => {
    const allowed: Record<string, RegExp> = {
      // the store knows nothing of D365, the engine or the agent
      'core/outbox/': /^core\/(outbox\/|errors\.ts$)/,
      'core/d365/': /^core\/(d365\/|errors\.ts$|http-body\.ts$|outbox\/types\.ts$)/,
      'core/csv/': /^core\/(csv\/|errors\.ts$|outbox\/(types|update-input)\.ts$)/,
      'core/conflicts/': /^core\/(conflicts\/|errors\.ts$|csv\/|outbox\/(types|outbox|search)\.ts$)/,
      'core/engine/': /^core\/(engine\/|d365\/|outbox\/|errors\.ts$|events\.ts$|metrics\.ts$)/,
      // a stand-in for D365: it shares only the wire format with the client
      'core/simulator/': /^core\/(simulator\/|http-body\.ts$|d365\/(multipart|odata)\.ts$)/,
    };
    const bad = Object.entries(allowed).flatMap(([room, ok]) => within(room).filter((e) => e.to.startsWith('core/') && !ok.test(e.to)));
    expect(show(bad)).toEqual([]);
  });

  it('no host imports the Outbox class, and only the demo loads the simulator (lazily)', () => {
    const outbox = within('main/').filter((e) => e.to === 'core/outbox/outbox.ts' && !e.typeOnly);
    expect(show(outbox)).toEqual([]);
    const simulator = EDGES.filter((e) => e.to.startsWith('core/simulator/') && !e.from.startsWith('core/simulator/') && !e.typeOnly && !e.dynamic);
    expect(show(simulator)).toEqual([]);
  });

  it('only main/electron/ipc.ts touches ipcMain and only the preload touches ipcRenderer', () => {
    const importing = (name: string) =>
      ALL.filter((f) => new RegExp(`(import|const)\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*(from|=\\s*require\\()\\s*['"]electron['"]`).test(read(f)));
    expect(importing('ipcMain')).toEqual(['main/electron/ipc.ts']);
    expect(importing('ipcRenderer')).toEqual(['main/electron/preload.cts']);
  });

  it('the renderer reaches the agent only through the AgentApi contract', () => {
    const contract = /^core\/(api|events)\.ts$|^core\/outbox\/types\.ts$/;
    const bad = within('renderer/').filter(
      (e) => /^(node:|better-sqlite3|undici|keytar|electron)/.test(e.to) || e.to.startsWith('main/') || (e.to.startsWith('core/') && !contract.test(e.to) && !e.typeOnly),
    );
    expect(show(bad)).toEqual([]);
  });

  it('each table has one owner: its SQL appears only in the modules that own it', () => {
    const owners: Record<string, string[]> = {
      // the queue; its search (core/outbox/search.ts) reads it too
      updates: ['core/outbox/outbox.ts', 'core/outbox/statements.ts', 'core/outbox/search.ts'],
      update_events: ['core/outbox/statements.ts'],
      own_writes: ['core/outbox/statements.ts'],
      notices: ['core/outbox/statements.ts'],
      state_counts: ['core/outbox/statements.ts', 'core/outbox/search.ts'],
      // written with the update's state in one transaction, read by the log and its exports
      conflicts: ['core/outbox/statements.ts', 'core/conflicts/conflict-log.ts', 'core/conflicts/export.ts'],
      metrics_by_hour: ['core/metrics.ts'],
      metadata_cache: ['core/d365/metadata-cache.ts'],
      // kept by triggers (migrations.ts); queries in one module
      search_text: ['core/outbox/search.ts'],
      search_index: ['core/outbox/search.ts'],
      settings: ['core/settings.ts'],
    };
    // SQL is written in upper case here; prose ("reads a file into updates") is not
    const sql = (table: string) => new RegExp(`\\b(FROM|INTO|UPDATE|JOIN)\\s+${table}\\b`);
    const bad: string[] = [];
    for (const [table, own] of Object.entries(owners)) {
      for (const f of sources('core').filter((f) => !f.endsWith('migrations.ts'))) {
        if (sql(table).test(read(f)) && !own.includes(f)) bad.push(`${f} runs SQL on ${table}`);
      }
      expect(own.some((f) => sql(table).test(read(f))), `${table} has no owner using it`).toBe(true);
    }
    expect(bad).toEqual([]);
  });
});
