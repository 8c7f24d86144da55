/** The real machine as a Host: root, CI, the package manager and what is on PATH. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Host, PackageManager } from './requirements.js';

/** `CI=true` (or any value other than empty, 0 and false) makes a layer that cannot run fail. */
export const isCi = (env: NodeJS.ProcessEnv): boolean => !['', '0', 'false', undefined].includes(env.CI?.toLowerCase());

/** An executable regular file named `command` in one of PATH's folders: what spawn would find. */
export function onPath(command: string, pathVar: string): boolean {
  return pathVar.split(':').filter((d) => d !== '').some((dir) => {
    try {
      const file = path.join(dir, command);
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

export function hostOf(env: NodeJS.ProcessEnv = process.env): Host {
  const has = (command: string): boolean => onPath(command, env.PATH ?? '');
  const packageManager: PackageManager | undefined = has('apt-get') ? 'apt-get' : has('dnf') ? 'dnf' : undefined;
  return { isRoot: process.getuid?.() === 0, ci: isCi(env), packageManager, has };
}
