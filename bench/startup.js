// Start-up: `plivo-send segments --text hello --json` against `node -e 0`, runs interleaved so
// that both see the same machine load.
import { BIN, median, timeRun } from './lib.js';

export function measureStartup({ runs = 30 } = {}) {
  const node = [];
  const cli = [];
  timeRun(['-e', '0']);
  timeRun([BIN, 'segments', '--text', 'hello', '--json']);
  for (let i = 0; i < runs; i++) {
    node.push(timeRun(['-e', '0']));
    cli.push(timeRun([BIN, 'segments', '--text', 'hello', '--json']));
  }
  const nodeMs = median(node);
  const cliMs = median(cli);
  return { nodeMs, cliMs, ratio: cliMs / nodeMs };
}
