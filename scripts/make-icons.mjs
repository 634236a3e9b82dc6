#!/usr/bin/env node
/**
 * Draws the app icons (public/icons/*.png) without any image library: a coral square with a
 * white coral branch, rendered from signed distances to line segments with 4x4 supersampling
 * and written as RGBA PNGs with node:zlib. Re-run after changing the shape:
 *   node scripts/make-icons.mjs
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const CORAL = [200, 69, 58];
const WHITE = [255, 255, 255];

/** The branch as segments in a 0-1 box: trunk, two forks, and their twigs. */
const BRANCH = [
  [0.5, 0.86, 0.5, 0.5],
  [0.5, 0.66, 0.31, 0.5],
  [0.31, 0.5, 0.27, 0.22],
  [0.31, 0.5, 0.15, 0.38],
  [0.5, 0.58, 0.69, 0.44],
  [0.69, 0.44, 0.73, 0.18],
  [0.69, 0.44, 0.85, 0.33],
  [0.5, 0.5, 0.5, 0.34],
];
const STROKE = 0.05;

function distanceToSegment(px, py, [ax, ay, bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * One icon. `inset` shrinks the branch toward the centre (maskable icons keep their
 * content inside the 80 % safe circle); `radius` rounds the square's corners (0 = full bleed).
 */
function draw(size, { inset, radius }) {
  const rgba = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = (x + (sx + 0.5) / samples) / size;
          const v = (y + (sy + 0.5) / samples) / size;
          const cx = Math.max(radius - u, 0, u - (1 - radius));
          const cy = Math.max(radius - v, 0, v - (1 - radius));
          if (Math.hypot(cx, cy) > radius && radius > 0) continue;
          bg++;
          const bu = 0.5 + (u - 0.5) / (1 - 2 * inset);
          const bv = 0.5 + (v - 0.5) / (1 - 2 * inset);
          if (BRANCH.some((s) => distanceToSegment(bu, bv, s) < STROKE)) fg++;
        }
      }
      const n = samples * samples;
      const mix = fg / Math.max(bg, 1);
      const i = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(CORAL[c] * (1 - mix) + WHITE[c] * mix);
      rgba[i + 3] = Math.round((255 * bg) / n);
    }
  }
  return encodePng(size, size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
const icons = {
  'icon-192.png': draw(192, { inset: 0.06, radius: 0.18 }),
  'icon-512.png': draw(512, { inset: 0.06, radius: 0.18 }),
  'maskable-512.png': draw(512, { inset: 0.16, radius: 0 }),
  'apple-touch-icon-180.png': draw(180, { inset: 0.1, radius: 0 }),
};
for (const [name, png] of Object.entries(icons)) {
  writeFileSync(join(out, name), png);
  console.log(`wrote public/icons/${name} (${png.length} bytes)`);
}
