#!/usr/bin/env node
// Writes the web-app icons (public/icons/icon-192.png, icon-512.png, maskable-512.png): a small
// attention map — a bright diagonal on a dark field, Viridis colours — drawn pixel by pixel
// and encoded as PNG with Node's zlib (no image library needed).
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
// Viridis at 0, .25, .5, .75, 1
const VIRIDIS = [[0x44, 0x01, 0x54], [0x3b, 0x52, 0x8b], [0x21, 0x91, 0x8c], [0x5e, 0xc9, 0x62], [0xfd, 0xe7, 0x25]];
const viridis = (t) => {
  const x = Math.min(1, Math.max(0, t)) * 4;
  const i = Math.min(3, Math.floor(x));
  const f = x - i;
  return VIRIDIS[i].map((c, k) => Math.round(c + f * (VIRIDIS[i + 1][k] - c)));
};

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** An 8×8 "attention map": weight decays with the distance from the diagonal. */
function map(size, inset, rounded) {
  const cells = 8;
  const inner = size - 2 * inset;
  const radius = rounded ? size * 0.18 : 0;
  return (x, y) => {
    // rounded-square mask of the whole icon
    const dx = Math.max(radius - x, 0, x - (size - 1 - radius));
    const dy = Math.max(radius - y, 0, y - (size - 1 - radius));
    if (rounded && dx * dx + dy * dy > radius * radius) return [0, 0, 0, 0];
    const u = x - inset;
    const v = y - inset;
    if (u < 0 || v < 0 || u >= inner || v >= inner) return [...VIRIDIS[0], 255];
    const i = Math.floor((v / inner) * cells);
    const j = Math.floor((u / inner) * cells);
    const t = Math.exp(-Math.abs(i - j) * 0.9) * (j <= i ? 1 : 0.55);
    return [...viridis(t), 255];
  };
}

writeFileSync(join(out, 'icon-192.png'), png(192, map(192, 24, true)));
writeFileSync(join(out, 'icon-512.png'), png(512, map(512, 64, true)));
// maskable: full bleed, the map inside the 80% safe zone
writeFileSync(join(out, 'maskable-512.png'), png(512, map(512, 104, false)));
console.log(`wrote ${out}/icon-192.png, icon-512.png, maskable-512.png`);
