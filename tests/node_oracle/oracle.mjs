// Cross-check oracle: the official Walrus encoder (@mysten/walrus-wasm, a
// wasm build of walrus-core). Reads a JSON list of {n, hex} cases on stdin,
// writes one JSON result per case: blob ID, every pair hash, and the SHA-256
// of every BCS-encoded sliver the official encoder writes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlobEncoder } from '@mysten/walrus-wasm';

const hex = (a) => Buffer.from(a).toString('hex');
const sha = (a) => createHash('sha256').update(a).digest('hex');
const uleb = (v) => { let s = 1; while ((v >>= 7) !== 0) s++; return s; };

const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const { n, hex: dataHex } of cases) {
  const data = new Uint8Array(Buffer.from(dataHex, 'hex'));
  const f = Math.floor((n - 1) / 3);
  const p = n - 2 * f, s = n - f;
  let S = Math.floor((Math.max(data.length, 1) - 1) / (p * s)) + 1;
  if (S % 2) S += 1;
  const prim = [], sec = [];
  for (let i = 0; i < n; i++) {
    prim.push(new Uint8Array(uleb(s * S) + s * S + 4));
    sec.push(new Uint8Array(uleb(p * S) + p * S + 4));
  }
  const enc = new BlobEncoder(n);
  try {
    const [meta] = enc.encode(data, prim, sec);
    const v1 = meta.metadata.V1;
    out.push({
      blob_id: hex(meta.blob_id),
      hashes: v1.hashes.map((h) => [hex(h.primary_hash.Digest), hex(h.secondary_hash.Digest)]),
      primary_bcs_sha256: prim.map(sha),
      secondary_bcs_sha256: sec.map(sha),
    });
  } catch (e) {
    out.push({ error: String(e) });
  } finally {
    enc.free();
  }
}
process.stdout.write(JSON.stringify(out));
