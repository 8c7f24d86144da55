/**
 * `keepalived-ts --print-config` run as an operator runs it (the built
 * command line): a tree of includes, macros, `@id` lines and a replicator
 * printed as the one configuration keepalived reads, which reads back as the
 * same model; problems and exit status as `-t` gives them.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { writeConfig } from '../../../src/config/write.js';
import { writtenModel } from '../config/written-model.js';
import { tempDir } from '../../tmp.js';
import { readSlowly } from './slow-pipe.js';

const BIN = path.resolve(import.meta.dirname, '../../../bin/keepalived-ts');

function cli(args: readonly string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'latin1' });
}

/** The directory of a configuration made of the given files, the first being keepalived.conf. */
function configTree(files: Record<string, string>): string {
  const dir = tempDir('print-config');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const TREE = {
  'keepalived.conf': ['$WEB=10.1.0', '$NAME=director', 'global_defs {', '  @lb1 router_id ${NAME}_1', '  @lb2 router_id ${NAME}_2', '}', 'include conf.d/*.conf', ''].join('\n'),
  'conf.d/web.conf': [
    'virtual_server ${WEB}.100 80 {',
    '  delay_loop 6',
    '  lb_algo rr',
    '  lb_kind NAT',
    '  protocol TCP',
    '  ~SEQ(i, 1, 3) real_server ${WEB}.$i 80 { weight $i }',
    '}',
    '',
  ].join('\n'),
};

describe('--print-config', () => {
  it('prints the configuration with its include, macros, @id lines and ~SEQ resolved, which reads back as the same model', () => {
    const dir = configTree(TREE);
    const r = cli(['--print-config', '-f', 'keepalived.conf', '-i', 'lb1'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const printed = r.stdout;
    expect(printed).toMatch(/^ *router_id director_1$/m);
    expect(printed).not.toContain('director_2');
    expect(printed).toMatch(/^ *virtual_server 10\.1\.0\.100 80 \{$/m);
    expect(printed.match(/^ *real_server .*$/gm)?.map((l) => l.trim())).toEqual(['1', '2', '3'].map((i) => `real_server 10.1.0.${i} 80 {`));
    expect(printed).toMatch(/^ *weight 3$/m);
    expect(printed).not.toMatch(/include|~SEQ|\$|@lb/);

    fs.writeFileSync(path.join(dir, 'printed.conf'), printed, 'latin1');
    const read = (file: string) => parseConfig(file, { cwd: dir, configId: 'lb1', testMode: true });
    const original = read('keepalived.conf');
    const again = read('printed.conf');
    expect(again.diagnostics).toEqual([]);
    expect(writtenModel(again.config)).toEqual(writtenModel(original.config));
    expect(original.config.check.virtualServers[0]?.realServers).toHaveLength(3);
  });

  it("exits with -t's status and prints -t's problems on stderr, the configuration still on stdout", () => {
    const dir = configTree({ 'keepalived.conf': 'global_defs {\n  router_id lb\n  no_such_keyword 1\n}\n' });
    const test = cli(['-t', '-f', 'keepalived.conf'], dir);
    const print = cli(['--print-config', '-f', 'keepalived.conf'], dir);
    expect(test.status).not.toBe(0);
    expect(print.status).toBe(test.status);
    expect(print.stderr).toBe(test.stderr);
    expect(print.stdout).toMatch(/^ *router_id lb$/m);
  });

  it("with -t's log file, puts the problems there as -t does", () => {
    const dir = configTree({ 'keepalived.conf': 'global_defs {\n  router_id lb\n  no_such_keyword 1\n}\n' });
    const test = cli(['-t', '-f', 'keepalived.conf'], dir);
    const print = cli(['--print-config', '--config-test=problems.log', '-f', 'keepalived.conf'], dir);
    expect(print.status).toBe(test.status);
    expect(print.stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, 'problems.log'), 'utf8')).toBe(test.stderr);
    expect(print.stdout).toMatch(/^ *router_id lb$/m);
  });

  it('prints nothing when the configuration was not read to its end', () => {
    const dir = configTree({ 'keepalived.conf': 'global_defs {\n  router_id lb\n  vrrp_version\n}\n' });
    const test = cli(['-t', '-f', 'keepalived.conf'], dir);
    const print = cli(['--print-config', '-f', 'keepalived.conf'], dir);
    expect(test.status).toBe(2);
    expect(print.status).toBe(2);
    expect(print.stdout).toBe('');
    expect(print.stderr).toBe(`${test.stderr}keepalived-ts: the configuration was not read to its end: nothing printed\n`);
  });

  it('prints all of a text larger than a pipe holds to a reader that is slow to read it', async () => {
    const dir = configTree({
      'keepalived.conf': ['virtual_server 10.1.0.100 80 {', '  protocol TCP', '  lb_algo rr', '  lb_kind NAT', '  ~SEQ(port, 1000, 2999) real_server 10.1.0.1 $port { weight 1 }', '}', ''].join('\n'),
    });
    const expected = writeConfig(parseConfig(path.join(dir, 'keepalived.conf'), { testMode: true }).config);
    // more than the 64 KiB a pipe buffers: the rest must not be lost when the command exits
    expect(expected.length).toBeGreaterThan(65_536);
    const child = spawn(process.execPath, [BIN, '--print-config', '-f', 'keepalived.conf'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const { code, text } = await readSlowly(child, child.stdout);
    expect(code).toBe(0);
    expect(text).toBe(expected);
  });
});
