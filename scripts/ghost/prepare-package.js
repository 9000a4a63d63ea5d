// Rewrites the unpacked `ghost` npm package's package.json so that a plain
// `npm install --omit=dev` works offline-from-GitHub (scripts/ghost.sh, install step):
// - devDependencies go: npm resolves them even with --omit=dev, and one of them
//   (mock-knex) is a GitHub tarball that cannot be fetched here;
// - yarn's "resolutions" (Ghost-CLI installs with yarn) become npm "overrides",
//   except @tryghost/i18n, which the dependency itself already points at the
//   tarball shipped inside the package (file:components/...);
// - "nx" (monorepo build config) goes.
'use strict';
const fs = require('fs');

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
pkg.overrides = overrides;
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
