/**
 * Gatehouse's Teams icons, drawn in code: a key, gold on the accent colour for color.png (192×192), white on
 * transparent for outline.png (32×32). color.png and outline.png beside this file are generated from here
 * (`npx tsx scripts/teams-manifest.ts --icons`) and a test fails when they drift apart. No image library: a tiny PNG
 * encoder (8-bit RGBA, filter 0, zlib from node:zlib) is enough.
 *
 * Teams' rules (Teams app package docs, "App icons"): the color icon is 192×192 with the symbol in the middle 96×96
 * on a solid or fully transparent square; the outline icon is 32×32, white (255, 255, 255) on a fully transparent
 * background (alpha 0), no other colours, no padding around the symbol.
 */
import { crc32, deflateSync } from 'node:zlib';

/** An image as 8-bit RGBA, rows top to bottom. */
export interface Raster {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export const ICON_BACKGROUND: Rgb = [0x1f, 0x3a, 0x5f]; // the manifest's accentColor
export const ICON_FOREGROUND: Rgb = [0xf2, 0xc1, 0x4e];
const WHITE: Rgb = [255, 255, 255];

/**
 * The key, in a unit square (u right, v down): a ring for the bow, a shaft, two teeth. True when the point is ink.
 * It spans u 0–1, so the outline icon has no padding left and right.
 */
export function keyShape(u: number, v: number): boolean {
  const ring = Math.hypot(u - 0.25, v - 0.5);
  if (ring <= 0.25 && ring >= 0.125) return true;
  if (u >= 0.45 && u <= 1 && v >= 0.44 && v <= 0.56) return true;
  if (u >= 0.7 && u <= 0.79 && v >= 0.56 && v <= 0.74) return true;
  return u >= 0.86 && u <= 0.95 && v >= 0.56 && v <= 0.68;
}

/** color.png: the accent colour everywhere, the key in gold in the middle 96×96, edges smoothed by 4×4 sampling. */
export function drawColorIcon(size = 192): Raster {
  const symbol = size / 2;
  const offset = (size - symbol) / 2;
  const samples = 4;
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = (x - offset + (sx + 0.5) / samples) / symbol;
          const v = (y - offset + (sy + 0.5) / samples) / symbol;
          if (u >= 0 && u <= 1 && v >= 0 && v <= 1 && keyShape(u, v)) hits++;
        }
      }
      const cover = hits / (samples * samples);
      const at = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) {
        rgba[at + c] = Math.round((ICON_BACKGROUND[c] ?? 0) * (1 - cover) + (ICON_FOREGROUND[c] ?? 0) * cover);
      }
      rgba[at + 3] = 255;
    }
  }
  return { width: size, height: size, rgba };
}

/**
 * outline.png: every pixel is white, either opaque (the key) or fully transparent. No smoothing: a half-transparent
 * edge is still white, but all-or-nothing keeps to the letter of Teams' rule.
 */
export function drawOutlineIcon(size = 32): Raster {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const at = (y * size + x) * 4;
      rgba.set(WHITE, at);
      rgba[at + 3] = keyShape((x + 0.5) / size, (y + 0.5) / size) ? 255 : 0;
    }
  }
  return { width: size, height: size, rgba };
}

/** Both icons as PNG files, keyed by their name in the package. */
export function renderIcons(): { 'color.png': Buffer; 'outline.png': Buffer } {
  return { 'color.png': encodePng(drawColorIcon()), 'outline.png': encodePng(drawOutlineIcon()) };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG file for an RGBA raster: IHDR (8-bit, colour type 6), one IDAT (every row filter 0), IEND. */
export function encodePng(image: Raster): Buffer {
  const { width, height, rgba } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`PNG: bad size ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) throw new Error(`PNG: expected ${width * height * 4} bytes of RGBA`);
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type 0: the row as it is
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  header[10] = 0; // compression: zlib deflate
  header[11] = 0; // filter method 0
  header[12] = 0; // no interlace
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

/** The IHDR of a PNG file, or undefined when the bytes do not start like a PNG. */
export function readPngHeader(bytes: Uint8Array): PngHeader | undefined {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < 33 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  if (data.readUInt32BE(8) !== 13 || data.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return {
    width: data.readUInt32BE(16),
    height: data.readUInt32BE(20),
    bitDepth: data[24] ?? 0,
    colorType: data[25] ?? 0,
  };
}
