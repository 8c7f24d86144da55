import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { VERSION } from '../../../src/daemon/version.js';

it('-v prints the package version', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
