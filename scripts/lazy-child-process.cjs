// Stands in for node:child_process inside commander, which needs it only to run executable
// subcommands (plivo-send has none): the real module (~3 ms of start-up) loads on first use.
'use strict';
let real;
const load = () => (real ??= require('node:child_process'));
module.exports = new Proxy({}, { get: (_target, name) => load()[name] });
