/** Temporary directories for tests, removed after the test file that made them. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
// Imported while a test file is collected, so this runs after that file's tests.
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kats-${prefix}-`));
  // usable whatever umask a test set (keepalived's 0177 would leave it without x: only root gets past that)
  fs.chmodSync(dir, 0o700);
  made.push(dir);
  return dir;
}
