// Preload (node --require ./loopback-only.cjs): every TCP listen() that names no specific
// host goes to 127.0.0.1, so no server of the test network binds 0.0.0.0 or ::.
// Adapted from a colleague's measurements in shared/docs/local-bluesky-network.md.
'use strict';
const net = require('node:net');

const original = net.Server.prototype.listen;
const WILDCARD = new Set([undefined, null, '', '0.0.0.0', '::']);

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (first && typeof first === 'object' && first.path === undefined && first.fd === undefined &&
      !first._handle && !first.handle) {
    if (WILDCARD.has(first.host)) args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'string') {
      if (WILDCARD.has(args[1])) args[1] = '127.0.0.1';
    } else {
      args.splice(1, 0, '127.0.0.1');
    }
  } else if (args.length === 0 || typeof first === 'function') {
    args.unshift(0, '127.0.0.1');
  }
  return original.apply(this, args);
};
