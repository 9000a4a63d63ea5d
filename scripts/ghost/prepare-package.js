// Rewrites the unpacked `ghost` npm package's package.json so that a plain
// `npm install --omit=dev` works with only the npm registry reachable
// (scripts/ghost.sh, install step):
// - devDependencies go: npm resolves them even with --omit=dev, and one of them
//   (mock-knex) is a GitHub tarball that cannot be fetched here;
// - yarn's "resolutions" (Ghost-CLI installs with yarn) become npm "overrides",
//   except @tryghost/i18n, which the dependency itself already points at the
//   tarball shipped inside the package (file:components/...);
// - "nx" (monorepo build config) goes;
// - re2 (a C++ regex engine, several minutes of compiling here because its prebuilt
//   binary is on GitHub) is replaced by a stub that fails to load. Its only user is
//   url-regex-safe (via @metascraper/helpers, used to fetch bookmark-card metadata
//   from remote pages), which loads re2 lazily and falls back to RegExp when it cannot.
//   Set MIGRATOR_GHOST_REAL_RE2=1 to build the real one.
'use strict';
const fs = require('fs');
const path = require('path');

const file = process.argv[2];
if (!file) {
    console.error('usage: node prepare-package.js path/to/package.json');
    process.exit(2);
}
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
delete pkg.devDependencies;
delete pkg.nx;
const overrides = Object.assign({}, pkg.resolutions || {});
for (const name of Object.keys(overrides)) {
    if (String(overrides[name]).startsWith('file:')) {
        delete overrides[name];
    }
}
delete pkg.resolutions;

if (!process.env.MIGRATOR_GHOST_REAL_RE2) {
    const stub = path.join(path.dirname(file), 'migrator-stubs', 're2');
    fs.mkdirSync(stub, {recursive: true});
    fs.writeFileSync(path.join(stub, 'package.json'), JSON.stringify({
        name: 're2',
        version: '0.0.0-migrator-stub',
        description: 'stand-in written by migrator scripts/ghost/prepare-package.js: always fails to load',
        main: 'index.js'
    }, null, 2) + '\n');
    fs.writeFileSync(path.join(stub, 'index.js'),
        "throw new Error('re2 is not built in this test install (scripts/ghost/prepare-package.js); callers fall back to RegExp');\n");
    overrides.re2 = 'file:./migrator-stubs/re2';
}
pkg.overrides = overrides;
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
