// Start-up: `plivo-send segments --text hello --json` and `plivo-send --version` against
// `node -e 0`, runs interleaved so that all three see the same machine load. Each runs in a clean
// environment (only PATH and HOME): a variable such as NODE_EXTRA_CA_CERTS (read on every Node
// start, ~37 ms for a system bundle) would add the same time to both sides and hide the ratio.
import { BIN, median, timeRun } from './lib.js';

const CLEAN_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

export const STARTUP_COMMANDS = {
  segments: [BIN, 'segments', '--text', 'hello', '--json'],
  version: [BIN, '--version'],
};

export function measureStartup({ runs = 30 } = {}) {
  const commands = { node: ['-e', '0'], ...STARTUP_COMMANDS };
  const times = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  const once = () => Object.entries(commands).map(([name, args]) => [name, timeRun(args, { env: CLEAN_ENV })]);
  once(); // warms the file system cache
  for (let i = 0; i < runs; i++) for (const [name, ms] of once()) times[name].push(ms);
  const nodeMs = median(times.node);
  const of = (name) => {
    const ms = median(times[name]);
    return { ms, ratio: ms / nodeMs, addedMs: ms - nodeMs };
  };
  return { nodeMs, segments: of('segments'), version: of('version') };
}
