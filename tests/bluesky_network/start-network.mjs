// Start a real local Bluesky network for rapport's tests: PLC, PDS, the AppView ("bsky")
// with its dataplane, bsync and ozone, all from @atproto/dev-env, in this one process.
//
// Run by tests/bluesky_support.py as
//   node --require ./loopback-only.cjs start-network.mjs
// with these environment variables:
//   BSKY_NODE_MODULES   the node_modules folder tools/bluesky-network-setup.sh installed
//   DB_POSTGRES_URL     postgresql://USER@127.0.0.1:PORT/postgres (the AppView, bsync, ozone)
//   DB_POSTGRES_SCHEMA  a schema name of letters and underscores only (dev-env refuses others)
//   REDIS_HOST          127.0.0.1:PORT
//   PLC_PORT, PDS_PORT, BSKY_PORT, OZONE_PORT   free loopback ports chosen by the caller
//   NETWORK_JSON        where to write the URLs once everything is up (the handshake)
//   MAX_LIFETIME_S      close by itself after this many seconds (default 900)
//   PARENT_PID          close by itself when this process is gone (the test run died)
// It seeds nothing: the tests write their data from Python with the atproto SDK.
// SIGTERM or SIGINT closes every server and exits 0.
// Adapted from a colleague's measurements in shared/docs/local-bluesky-network.md.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const started = Date.now();
const log = (message) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(2)}s] ${message}`);

const need = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`start-network.mjs: environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const modules = need('BSKY_NODE_MODULES');
const resolveFrom = createRequire(path.join(path.dirname(modules), 'package.json'));
const { TestNetwork } = await import(pathToFileURL(resolveFrom.resolve('@atproto/dev-env')).href);

need('REDIS_HOST'); // read by dev-env itself from the environment
const schema = need('DB_POSTGRES_SCHEMA');
if (!/^[A-Za-z_]+$/.test(schema)) {
  console.error(`start-network.mjs: DB_POSTGRES_SCHEMA=${schema}: letters and underscores only`);
  process.exit(2);
}
const port = (name) => Number(need(name));
const maxLifetime = Number(process.env.MAX_LIFETIME_S ?? 900);

const network = await TestNetwork.create({
  dbPostgresUrl: need('DB_POSTGRES_URL'),
  dbPostgresSchema: schema,
  plc: { port: port('PLC_PORT') },
  pds: { port: port('PDS_PORT'), hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: port('BSKY_PORT'), publicUrl: `http://localhost:${port('BSKY_PORT')}` },
  ozone: { port: port('OZONE_PORT') },
});
log(`up: plc=${network.plc.url} pds=${network.pds.url} bsky=${network.bsky.url}`);

let closing = false;
const shutdown = async (why) => {
  if (closing) return;
  closing = true;
  log(`closing (${why})`);
  try {
    await network.close();
  } catch (error) {
    console.error('close failed:', error);
  }
  log('closed');
  process.exit(0);
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
setTimeout(() => shutdown(`max lifetime of ${maxLifetime} s`), maxLifetime * 1000).unref();
const parent = Number(process.env.PARENT_PID ?? 0);
setInterval(() => {
  if (!parent) return;
  try {
    process.kill(parent, 0);
  } catch {
    shutdown(`parent ${parent} is gone`);
  }
}, 2000);

const out = need('NETWORK_JSON');
const info = {
  plc: network.plc.url,
  pds: network.pds.url,
  bsky: network.bsky.url,
  ozone: network.ozone.url,
  bskyDid: network.bsky.serverDid,
  pid: process.pid,
};
fs.writeFileSync(`${out}.tmp`, JSON.stringify(info, null, 2));
fs.renameSync(`${out}.tmp`, out); // atomic: the caller never reads a half-written file
log('READY');
