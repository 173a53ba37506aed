/**
 * The tray icon: a filled disc in the colour of the worst state, drawn as raw BGRA pixels (what
 * Electron's `nativeImage.createFromBitmap` takes), so no image files ship and the drawing is tested.
 */
import type { TrayLevel } from './app.js';

/** RGB per level: red, amber, green. */
export const TRAY_COLOURS: Record<TrayLevel, readonly [number, number, number]> = {
  alarm: [0xc6, 0x28, 0x28],
  warn: [0xf5, 0xa6, 0x23],
  ok: [0x2e, 0x7d, 0x32],
};

/** A `size`×`size` premultiplied BGRA bitmap (default 16 px): the level's disc on transparent, edges antialiased. */
export function trayIconBitmap(level: TrayLevel, size = 16): Buffer {
  const [r, g, b] = TRAY_COLOURS[level];
  const out = Buffer.alloc(size * size * 4);
  const c = (size - 1) / 2;
  const radius = size / 2 - 0.5;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Coverage from the distance to the edge: 1 inside, 0 outside, linear over one pixel.
      const cover = Math.min(1, Math.max(0, radius - Math.hypot(x - c, y - c) + 0.5));
      const i = (y * size + x) * 4;
      // Premultiplied, as Skia's N32 bitmaps behind nativeImage are.
      out[i] = Math.round(b * cover);
      out[i + 1] = Math.round(g * cover);
      out[i + 2] = Math.round(r * cover);
      out[i + 3] = Math.round(cover * 255);
    }
  }
  return out;
}
