/**
 * `keepalived-ts -t` run as an operator runs it (the built command line), its findings read through a pipe: all of
 * them reach a reader that is slow to read, however long the text (keepalived's passes repeat each message).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { noticeText, operatorText } from '../../../src/config/diagnostics.js';
import { parseConfig } from '../../../src/config/parse.js';
import { tempDir } from '../../tmp.js';
import { readSlowly } from './slow-pipe.js';

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
    const { code, text } = await readSlowly(child, child.stderr);
    expect(code).toBe(r.exitCode);
    expect(text).toBe(expected);
  });
});
