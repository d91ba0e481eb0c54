// @vitest-environment node
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
// tray.ts names the states; the real 'electron' package would try to download its binary.
vi.mock('electron', () => import('../main/electron/fake-electron.ts'));
import { crc32, writeIcons } from '../../build/make-icons.ts';
import { TRAY_ICONS } from '../../main/electron/tray.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** Reads a PNG the hard way: signature, every chunk's CRC, the header, and the pixel data size. */
function readPng(file: string): { width: number; height: number; colorType: number } {
  const buf = fs.readFileSync(file);
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let at = 8;
  let ihdr: Buffer | null = null;
  const idat: Buffer[] = [];
  while (at < buf.length) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    expect(buf.readUInt32BE(at + 8 + len), `${file} ${type} crc`).toBe(crc32(buf.subarray(at + 4, at + 8 + len)));
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  expect(ihdr).not.toBeNull();
  const width = ihdr!.readUInt32BE(0);
  const height = ihdr!.readUInt32BE(4);
  expect(zlib.inflateSync(Buffer.concat(idat)).length).toBe(height * (1 + width * 4));
  return { width, height, colorType: ihdr![9]! };
}

describe('icons', () => {
  it('the app icon is a 512×512 RGBA PNG', () => {
    expect(readPng(path.join(root, 'build/icon.png'))).toEqual({ width: 512, height: 512, colorType: 6 });
  });

  it('every tray state has a 16 px icon and a 32 px @2x one', () => {
    for (const state of TRAY_ICONS) {
      expect(readPng(path.join(root, `build/tray/tray-${state}.png`))).toMatchObject({ width: 16, height: 16 });
      expect(readPng(path.join(root, `build/tray/tray-${state}@2x.png`))).toMatchObject({ width: 32, height: 32 });
    }
  });

  it('the committed icons are what the script draws', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-icons-'));
    try {
      for (const f of writeIcons(dir)) {
        const rel = path.relative(dir, f);
        expect(fs.readFileSync(f).equals(fs.readFileSync(path.join(root, 'build', rel))), rel).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
