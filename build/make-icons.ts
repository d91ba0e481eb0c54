/**
 * Draws the app and tray icons as real PNG files (no image tools on the build machines):
 * `node build/make-icons.ts` rewrites build/icon.png and build/tray/*.png. The files are
 * committed; this script is how they were made.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

type Rgba = [number, number, number, number];
/** coverage 0..1 of a shape at a point in unit coordinates (0..1) */
type Shape = (x: number, y: number) => Rgba | null;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGBA PNG, each pixel supersampled 4×4 so edges are smooth. */
export function renderPng(size: number, shape: Shape): Buffer {
  const rows: Buffer[] = [];
  const n = 4;
  for (let py = 0; py < size; py++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shape((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (!c) continue;
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const o = 1 + px * 4;
      if (a > 0) {
        row[o] = Math.round(r / a);
        row[o + 1] = Math.round(g / a);
        row[o + 2] = Math.round(b / a);
      }
      row[o + 3] = Math.round((a / (n * n)) * 255);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const WHITE: Rgba = [255, 255, 255, 1];

function roundedSquare(x: number, y: number, inset: number, radius: number): boolean {
  const lo = inset + radius, hi = 1 - inset - radius;
  const dx = Math.max(lo - x, 0, x - hi), dy = Math.max(lo - y, 0, y - hi);
  return x >= inset && x <= 1 - inset && y >= inset && y <= 1 - inset && dx * dx + dy * dy <= radius * radius;
}

/** An outbox tray with an arrow leaving it: the app's mark. */
function mark(x: number, y: number): boolean {
  const trayWall = (x > 0.2 && x < 0.27 && y > 0.5 && y < 0.8) || (x > 0.73 && x < 0.8 && y > 0.5 && y < 0.8);
  const trayBottom = x > 0.2 && x < 0.8 && y > 0.73 && y < 0.8;
  const stem = x > 0.46 && x < 0.54 && y > 0.3 && y < 0.66;
  const head = y > 0.18 && y < 0.4 && Math.abs(x - 0.5) < (y - 0.18) * 0.95;
  return trayWall || trayBottom || stem || head;
}

const STATES: Record<string, Rgba> = {
  idle: [46, 125, 50, 1],
  draining: [25, 118, 210, 1],
  paused: [237, 108, 2, 1],
  conflicts: [211, 47, 47, 1],
};

export function appIcon(size = 512): Buffer {
  const blue: Rgba = [21, 101, 192, 1];
  return renderPng(size, (x, y) => (!roundedSquare(x, y, 0.06, 0.18) ? null : mark(x, y) ? WHITE : blue));
}

export function trayIcon(state: keyof typeof STATES, size: number): Buffer {
  const color = STATES[state]!;
  return renderPng(size, (x, y) => {
    const d = Math.hypot(x - 0.5, y - 0.5);
    if (d > 0.48) return null;
    return mark(x, y) ? WHITE : color;
  });
}

export function writeIcons(dir: string): string[] {
  const written: string[] = [];
  const put = (file: string, png: Buffer) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, png);
    written.push(file);
  };
  put(path.join(dir, 'icon.png'), appIcon(512));
  for (const state of Object.keys(STATES)) {
    put(path.join(dir, 'tray', `tray-${state}.png`), trayIcon(state, 16));
    put(path.join(dir, 'tray', `tray-${state}@2x.png`), trayIcon(state, 32));
  }
  return written;
}

if (import.meta.main) {
  for (const f of writeIcons(import.meta.dirname)) console.log(`wrote ${path.relative(process.cwd(), f)}`);
}
