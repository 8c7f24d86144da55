/** The package root: the nearest folder above with a package.json, whether run from the sources or from build/. */
import * as fs from 'node:fs';
import * as path from 'node:path';

function findPackageRoot(): string {
  let dir = import.meta.dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${import.meta.dirname}`);
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();
