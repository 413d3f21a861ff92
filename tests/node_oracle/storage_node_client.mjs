// Interop driver: the official Walrus storage-node client (StorageNodeClient
// of @mysten/walrus, which the package does not export, so it is loaded from
// its file) against one of our nodes. Reads on stdin
//   {nodeUrl, blobId, metadataHex, slivers: [{pair, type, hex}], unknownBlobId}
// stores the metadata and the slivers, reads everything back, and writes
// what the client got (bytes as hex, JSON as the client returned it).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'node_modules', '@mysten', 'walrus', 'dist');
const { StorageNodeClient } = await import(pathToFileURL(join(dist, 'storage-node', 'client.mjs')).href);
const { BlobMetadataWithId } = await import(pathToFileURL(join(dist, 'utils', 'bcs.mjs')).href);

const hex = (a) => Buffer.from(a).toString('hex');
const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const input = JSON.parse(readFileSync(0, 'utf8'));
const { nodeUrl, blobId } = input;
const client = new StorageNodeClient({ timeout: 30000 });
const opts = { nodeUrl };
const out = { stored: [], slivers: [], errors: {} };

out.metadataStatusBefore = await client.getMetadataStatus({ blobId }, opts);
out.storeMetadata = await client.storeBlobMetadata({ blobId, metadata: bytes(input.metadataHex) }, opts);
const parsed = await client.getBlobMetadata({ blobId }, opts);
out.metadataHex = hex(BlobMetadataWithId.serialize(parsed).toBytes());
out.metadataStatus = await client.getMetadataStatus({ blobId }, opts);
for (const s of input.slivers) {
  const args = { blobId, sliverPairIndex: s.pair, sliverType: s.type };
  out.stored.push(await client.storeSliver({ ...args, sliver: bytes(s.hex) }, opts));
  out.slivers.push({
    pair: s.pair,
    type: s.type,
    hex: hex(await client.getSliver(args, opts)),
    status: await client.getSliverStatus(args, opts),
  });
}
out.blobStatus = await client.getBlobStatus({ blobId }, opts);
out.permanent = await client.getPermanentBlobConfirmation({ blobId }, opts);
out.deletable = await client.getDeletableBlobConfirmation({ blobId, objectId: '0x' + '2a'.repeat(32) }, opts);
async function failure(name, call) {
  try {
    await call();
    out.errors[name] = null;
  } catch (e) {
    out.errors[name] = { class: e.constructor.name, status: e.status ?? null, message: String(e.message) };
  }
}
const first = input.slivers[0];
await failure('sliverBeforeMetadata', () =>
  client.storeSliver({ blobId: input.unknownBlobId, sliverPairIndex: first.pair, sliverType: first.type, sliver: bytes(first.hex) }, opts));
await failure('missingMetadata', () => client.getBlobMetadata({ blobId: input.unknownBlobId }, opts));
await failure('notRegistered', () => client.getPermanentBlobConfirmation({ blobId: input.unknownBlobId }, opts));
process.stdout.write(JSON.stringify(out));
