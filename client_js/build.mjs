// Bundle the client library for browsers: static/frontdesk.js (ESM, minified, MessagePack in).
//
//   node build.mjs           write static/frontdesk.js
//   node build.mjs --check   exit 1 when the committed bundle differs from a fresh build
//
// The bundle is committed so that the server serves its pages on machines without Node.

import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
export const BUNDLE = here('../static/frontdesk.js');

/** Build the bundle in memory and return its text. */
export async function buildBundle() {
  const { version } = JSON.parse(await readFile(here('package.json'), 'utf8'));
  const result = await esbuild.build({
    entryPoints: [here('src/index.js')],
    bundle: true,
    format: 'esm',
    minify: true,
    target: ['es2020'],
    platform: 'neutral',
    mainFields: ['module', 'main'],
    legalComments: 'eof',
    banner: {
      js: `/* Frontdesk client ${version}: built from client_js/ by build.mjs (esbuild); do not edit. */`,
    },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

async function main() {
  const fresh = await buildBundle();
  if (process.argv.includes('--check')) {
    const committed = await readFile(BUNDLE, 'utf8').catch(() => '');
    if (committed !== fresh) {
      console.error(`${BUNDLE} is stale: run \`npm run build\` in client_js and commit it`);
      process.exit(1);
    }
    console.log(`${BUNDLE} is up to date`);
    return;
  }
  await writeFile(BUNDLE, fresh);
  console.log(`wrote ${BUNDLE} (${fresh.length} bytes)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
