// A tiny start wrapper for a Waline server (@waline/vercel) on loopback, used by
// scripts/waline.sh.
//
//   node server.js PACKAGE_DIR HOST PORT
//
// PACKAGE_DIR is the installed node_modules/@waline/vercel. Configuration is by
// environment (SQLITE_PATH, JWT_TOKEN, OAUTH_URL, ...), set by scripts/waline.sh.
//
// Why not the package's own vanilla.js: that one runs ThinkJS in cluster mode (a
// master plus a forked worker) on 0.0.0.0:8360. Here we load the app as a worker
// (as the package's index.js does for serverless hosts) and serve it from one
// plain http server, in one process, bound to HOST only.
//
// Offline guard: this machine (and CI) reach no outside host. Waline's defaults
// would call several (the OAuth service list on every request, Akismet, avatar and
// notification services); scripts/waline.sh turns those off by environment, and
// this guard makes any connection that is still attempted to a non-loopback host
// fail at once (instead of hanging on a timeout) and logs it to stderr as
// "waline-offline-guard: blocked ...", so a missed setting shows in the log.
'use strict';

const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { createRequire } = require('node:module');

const [pkgDir, host, portText] = process.argv.slice(2);

if (!pkgDir || !host || !/^\d+$/.test(portText || '')) {
  console.error('usage: node server.js PACKAGE_DIR HOST PORT');
  process.exit(2);
}

// ------------------------------------------------------------------ offline guard
const isLoopback = (h) =>
  h === undefined ||
  h === null ||
  h === '' ||
  h === 'localhost' ||
  h === '::1' ||
  h === '[::1]' ||
  /^127\./.test(h) ||
  /^::ffff:127\./.test(h);

const originalConnect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(...args) {
  // Node calls this with (options[, cb]), (port[, host][, cb]), (path[, cb]), or
  // internally with one normalized array [options, cb].
  let first = args[0];

  if (Array.isArray(first)) first = first[0];

  let target = null;

  if (first && typeof first === 'object') {
    if (!first.path) target = { host: first.host, port: first.port };
  } else if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    target = { host: typeof args[1] === 'string' ? args[1] : undefined, port: first };
  }

  if (target && !isLoopback(target.host)) {
    const err = new Error(
      `waline-offline-guard: blocked connection to ${target.host}:${target.port}`,
    );

    err.code = 'ECONNREFUSED';
    console.error(`${new Date().toISOString()} ${err.message}`);
    process.nextTick(() => this.destroy(err));

    return this;
  }

  return originalConnect.apply(this, args);
};

// ------------------------------------------------------------------ the app
const pkgRequire = createRequire(path.join(path.resolve(pkgDir), 'package.json'));
const Application = pkgRequire('thinkjs');
const Loader = pkgRequire('thinkjs/lib/loader');

const root = path.resolve(pkgDir);
const app = new Application({
  ROOT_PATH: root,
  APP_PATH: path.join(root, 'src'),
  RUNTIME_PATH: process.env.WALINE_RUNTIME_PATH || path.join(root, 'runtime'),
  proxy: false, // ctx.ip is the peer address; nothing sits in front of us
  env: 'production',
});

new Loader(app.options).loadAll('worker');

// Waline logs every SQL statement (with comment bodies and e-mail addresses) at
// info level. Off unless WALINE_LOG_SQL=1: it bloats the log and slows bulk imports.
// (By now the loader has merged the adapter's "common" part into each storage type.)
const modelConfig = think.config('model');

for (const [key, value] of Object.entries(modelConfig || {})) {
  if (key !== 'type' && value && typeof value === 'object') {
    value.logSql = process.env.WALINE_LOG_SQL === '1';
  }
}
think.config('model', modelConfig);

think
  .beforeStartServer()
  .catch((err) => {
    think.logger.error(err);
  })
  .then(() => {
    const server = http.createServer(think.app.callback());

    think.app.server = server;
    server.on('error', (err) => {
      console.error(`waline: cannot listen on ${host}:${portText}: ${err.message}`);
      process.exit(1);
    });
    server.listen(Number(portText), host, () => {
      think.app.emit('appReady');
      console.log(`waline: listening on http://${host}:${portText} (pid ${process.pid})`);
    });

    const stop = () => {
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
    };

    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
