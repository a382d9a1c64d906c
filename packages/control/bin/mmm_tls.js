#!/usr/bin/env node
// Shim committed so that npm links the binary before the build; the code is in dist/.
'use strict';
let mod;
try {
  mod = require('../dist/tls-main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/tls-main.js')) {
    process.stderr.write('mmm_tls: not built yet; run `npm run build` in ' + require('path').resolve(__dirname, '../../..') + '\n');
    process.exit(1);
  }
  throw e;
}
mod.run();
