import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanEnv } from '../helpers/spawn.js';

/**
 * Runs the binary on a pseudo-terminal (util-linux `script`), typing `input` into it; with
 * `stdinFrom`, stdin is that file piped in (`cat file | plivo-send …`), as a user at a terminal does.
 */
function runOnTerminal(args: string[], input: string, stdinFrom?: string): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const command = (stdinFrom === undefined ? '' : `cat ${quote(stdinFrom)} | `) + [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const env = cleanEnv();
    delete (env as Record<string, string | undefined>).NO_COLOR;
    // A real size, as a terminal window has (a bare pseudo-terminal reports 0 columns).
    const child = spawn('script', ['-qec', `stty cols 100 rows 30; ${command}`, '/dev/null'], { env: { ...env, TERM: 'xterm' }, cwd: env.HOME });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      if (input && output.includes('[y/N]')) {
        child.stdin.write(input);
        input = '';
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('on a terminal', () => {
  it('a batch asks for confirmation, shows its spinner on the real terminal, and sends after "y"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-tty-'));
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, 'dst,name\n14155550101,Ada\n14155550102,Bob\n');
    const out = await runOnTerminal(['sms', '--csv', csv, '--src', '14155550100', '--text', 'Hi {{name}}', '--sandbox'], 'y\r');
    expect(out.output).toMatch(/Send 2 messages \(2 units\)\? \[y\/N\]/);
    expect(out.output).toMatch(/Sending \d\/2 rows/);
    expect(out.output).toMatch(/Sent 2 of 2 rows/);
    expect(out.output).not.toMatch(/TypeError|Internal error/);
    expect(out.code).toBe(0);
  });

  it('answering no sends nothing and exits 5', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-tty-'));
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, 'dst,name\n14155550101,Ada\n');
    const out = await runOnTerminal(['sms', '--csv', csv, '--src', '14155550100', '--text', 'Hi {{name}}', '--sandbox'], 'n\r');
    expect(out.code).toBe(5);
  });

  it('--csv - (the CSV on stdin) still asks on the terminal, through /dev/tty, and sends after "y"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plivo-send-tty-'));
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, 'dst,name\n14155550101,Ada\n14155550102,Bob\n');
    const out = await runOnTerminal(['sms', '--csv', '-', '--src', '14155550100', '--text', 'Hi {{name}}', '--sandbox'], 'y\r', csv);
    expect(out.output).toMatch(/Send 2 messages \(2 units\)\? \[y\/N\]/);
    expect(out.output).toMatch(/Sent 2 of 2 rows/);
    expect(out.output).not.toMatch(/needs confirmation/);
    expect(out.code).toBe(0);
  });

  it('colours only on a terminal', async () => {
    const out = await runOnTerminal(['segments', '--text', 'hi'], '');
    expect(out.output).toContain('\u001b[1mEncoding');
  });
});
