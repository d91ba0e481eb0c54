import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => /\.(c?ts|tsx)$/.test(f))
    .map((f) => path.join(dir, f));
}

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

describe('module boundaries', () => {
  it('core/ imports no electron, react or DOM', () => {
    const offenders = sources('core').filter((f) => /from ['"](electron|react|react-dom)(\/[^'"]*)?['"]|\bdocument\.|\bwindow\./.test(read(f)));
    expect(offenders).toEqual([]);
  });

  it('only main/electron/ipc.ts touches ipcMain and only the preload touches ipcRenderer', () => {
    const all = [...sources('main'), ...sources('renderer'), ...sources('core')];
    const importing = (name: string) => all.filter((f) => new RegExp(`(import|const)\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*(from|=\\s*require\\()\\s*['"]electron['"]`).test(read(f)));
    expect(importing('ipcMain')).toEqual([path.join('main', 'electron', 'ipc.ts')]);
    expect(importing('ipcRenderer')).toEqual([path.join('main', 'electron', 'preload.cts')]);
  });

  it('the renderer reaches the agent only through the AgentApi contract', () => {
    const offenders = sources('renderer').filter((f) =>
      /from ['"](node:|better-sqlite3|undici|keytar)|from ['"][./]*core\/(?!api\.ts|events\.ts|outbox\/types\.ts|conflicts\/conflict-log\.ts|metrics\.ts|settings\.ts|engine\/drainer\.ts|outbox\/outbox\.ts)/.test(read(f)),
    );
    expect(offenders).toEqual([]);
  });
});
