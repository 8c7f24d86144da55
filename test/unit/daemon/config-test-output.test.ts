/**
 * `keepalived-ts -t` run as an operator runs it (the built command line), its findings read through a pipe: all of
 * them reach a reader that is slow to read, however long the text (keepalived's passes repeat each message).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { noticeText, operatorText } from '../../../src/config/diagnostics.js';
import { parseConfig } from '../../../src/config/parse.js';
import { tempDir } from '../../tmp.js';

const BIN = path.resolve(import.meta.dirname, '../../../bin/keepalived-ts');

describe('-t output', () => {
  it('prints all of a text larger than a pipe holds to a reader that is slow to read it', async () => {
    const dir = tempDir('config-test-output');
    // an unknown keyword at the top level is said by each of the four passes
    fs.writeFileSync(path.join(dir, 'keepalived.conf'), Array.from({ length: 1500 }, (_, i) => `unknown_keyword_${i}\n`).join(''));
    const r = parseConfig('keepalived.conf', { cwd: dir, testMode: true });
    const expected = `${[...r.transcript.map(operatorText), ...r.notices.map(noticeText)].join('\n')}\n`;
    // more than the 64 KiB a pipe buffers: the rest must not be lost when the command exits
    expect(expected.length).toBeGreaterThan(65_536);
    const child = spawn(process.execPath, [BIN, '-t', '-f', 'keepalived.conf'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    // 'close': exited, and its output read to the end
    const closed = once(child, 'close') as Promise<[number | null]>;
    child.stderr.pause();
    // a command that exits before its reader has read everything does so now, while nothing is read
    await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 2000))]);
    const chunks: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.resume();
    const [code] = await closed;
    expect(code).toBe(r.exitCode);
    expect(Buffer.concat(chunks).toString('latin1')).toBe(expected);
  });
});
