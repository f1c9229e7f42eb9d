#!/usr/bin/env node
// CommonJS (bin/package.json), like dist/cli.cjs: Node starts it without its ES module loader.
/* global require */
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../dist/cli.cjs').main();
