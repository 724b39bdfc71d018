// Writes `<file>.br` and `<file>.gz` beside each built asset (JS, wasm, CSS) so the server
// sends them as they are, with no compression work per request. Node's zlib is used because
// node is already needed by the build (wasm-opt, the browser tests), so no other tool is.
// Usage: node scripts/precompress.mjs <dir> best|fast
//   best: brotli 11 and gzip 9 (release); fast: brotli 1 and gzip 1 (dev, where the wasm is
//   tens of megabytes and a rebuild should not wait on the compressor).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const [dir, level = 'best'] = process.argv.slice(2);
if (!dir || !['best', 'fast'].includes(level)) {
  console.error('usage: node scripts/precompress.mjs <dir> best|fast');
  process.exit(2);
}
const best = level === 'best';
for (const name of readdirSync(dir)) {
  if (!/\.(js|wasm|css)$/.test(name)) continue;
  const path = join(dir, name);
  const bytes = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: best ? 11 : 1,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  }));
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: best ? 9 : 1 }));
}
