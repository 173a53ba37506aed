/**
 * The app's icons, drawn here rather than downloaded or checked in as binaries: a waveform of five
 * rounded bars on the theme colour. PNGs (192, 512, a maskable 512, a 180 Apple touch icon) come from
 * a small PNG encoder; the favicon is the same drawing as SVG.
 */
import { deflateSync } from 'node:zlib';

const BACKGROUND = [0x1d, 0x35, 0x57] as const;
const FOREGROUND = [0xff, 0xff, 0xff] as const;
/** Bar heights as fractions of the drawing area. */
const BARS = [0.35, 0.7, 1, 0.7, 0.35];

export interface IconFile {
  /** Path under the app's folder. */
  path: string;
  bytes: Uint8Array;
}

/** Every icon file the app and its web manifest refer to. */
export function iconFiles(): IconFile[] {
  return [
    { path: 'icons/icon-192.png', bytes: iconPng(192, false) },
    { path: 'icons/icon-512.png', bytes: iconPng(512, false) },
    { path: 'icons/maskable-512.png', bytes: iconPng(512, true) },
    { path: 'icons/apple-touch-icon.png', bytes: iconPng(180, true) },
    { path: 'icons/favicon.svg', bytes: new TextEncoder().encode(iconSvg()) },
  ];
}

/**
 * @param maskable full-bleed background with the drawing inside the central safe zone (the platform
 *   crops it to its own shape); otherwise a rounded square on transparency
 */
export function iconPng(size: number, maskable: boolean): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  const inBackground = (x: number, y: number): boolean => maskable || inRoundedSquare(x, y, 0.5, 0.22);
  // The drawing spans 50% of a maskable icon (inside its 80% safe circle), 60% otherwise.
  const extent = maskable ? 0.5 : 0.6;
  const SUB = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      // 4×4 samples per pixel: anti-aliased edges.
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const x = (px + (sx + 0.5) / SUB) / size - 0.5;
          const y = (py + (sy + 0.5) / SUB) / size - 0.5;
          if (!inBackground(x, y)) continue;
          bg++;
          if (inBars(x / extent, y / extent)) fg++;
        }
      }
      const o = (py * size + px) * 4;
      const f = bg === 0 ? 0 : fg / bg;
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.round(BACKGROUND[c]! * (1 - f) + FOREGROUND[c]! * f);
      rgba[o + 3] = Math.round((255 * bg) / (SUB * SUB));
    }
  }
  return encodePng(size, size, rgba);
}

/** Is (x, y), centred coordinates in the unit drawing, on one of the bars? */
function inBars(x: number, y: number): boolean {
  const pitch = 1 / BARS.length;
  const i = Math.floor((x + 0.5) / pitch);
  const height = BARS[i];
  if (height === undefined) return false;
  const cx = -0.5 + (i + 0.5) * pitch;
  const halfWidth = pitch * 0.3;
  return inCapsule(x - cx, y, halfWidth, height / 2);
}

/** A vertical capsule: a bar of half-width r with round ends, from −h to h. */
function inCapsule(x: number, y: number, r: number, h: number): boolean {
  const dy = Math.max(0, Math.abs(y) - (h - r));
  return x * x + dy * dy <= r * r;
}

function inRoundedSquare(x: number, y: number, half: number, radius: number): boolean {
  const dx = Math.max(0, Math.abs(x) - (half - radius));
  const dy = Math.max(0, Math.abs(y) - (half - radius));
  return dx * dx + dy * dy <= radius * radius;
}

export function iconSvg(): string {
  const hex = (c: readonly number[]): string => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  const pitch = 60 / BARS.length;
  const bars = BARS.map((h, i) => {
    const w = pitch * 0.6;
    const x = 20 + i * pitch + (pitch - w) / 2;
    const height = 60 * h;
    return `<rect x="${x}" y="${50 - height / 2}" width="${w}" height="${height}" rx="${w / 2}"/>`;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">` +
    `<rect width="100" height="100" rx="22" fill="${hex(BACKGROUND)}"/>` +
    `<g fill="${hex(FOREGROUND)}">${bars.join('')}</g></svg>\n`
  );
}

/** An 8-bit RGBA PNG: signature, IHDR, one zlib IDAT (filter 0 on every row), IEND. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  const raw = new Uint8Array(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA, deflate, no filter set, no interlace
  return concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
