/**
 * How the daemon, running as root, writes a file (keepalived's fopen_safe,
 * after CVE-2018-19044/19045/19046): the text goes into a new file with a
 * random name beside the target, created O_EXCL|O_NOFOLLOW with the caller's
 * mode, which is then renamed over the target. A symbolic link or a
 * loose-moded file already at the path is replaced, never written through
 * (nor is a file someone holds open), and no reader sees a half-written file.
 * Node opens every descriptor O_CLOEXEC, so none leaks into scripts.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SafeWriteOptions {
  /** The new file's mode, less the process umask unless `exactMode`. */
  mode: number;
  /** `mode` whatever the umask (keepalived's pid files: 0644). */
  exactMode?: boolean;
  /** Told when a symbolic link at the path is replaced: someone planted it, the operator should know. */
  warn?: (message: string) => void;
}

/** Throws an Error naming the path and the reason. */
export function writeFileSafely(file: string, data: string, options: SafeWriteOptions): void {
  writeThroughTemporary(file, data, options, `${file}.${randomBytes(6).toString('hex')}`);
}

/** writeFileSafely with the temporary name given (tests plant things there). */
export function writeThroughTemporary(file: string, data: string, options: SafeWriteOptions, temporary: string): void {
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, options.mode);
  } catch (error) {
    throw new Error(`cannot write ${file}: ${creationFailure(error, temporary)}`);
  }
  try {
    if (options.exactMode) fs.fchmodSync(fd, options.mode);
    fs.writeFileSync(fd, data);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temporary, { force: true });
    throw new Error(`cannot write ${file}: ${reason(error)}`);
  }
  fs.closeSync(fd);
  const link = symbolicLinkTarget(file);
  try {
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new Error(`cannot write ${file}: ${reason(error)}`);
  }
  if (link !== undefined) options.warn?.(`${file} was a symbolic link to ${link}: replaced it with a new file instead of writing through it`);
}

function creationFailure(error: unknown, temporary: string): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return `directory ${path.dirname(temporary)} does not exist`;
    case 'EEXIST':
      return `temporary file ${temporary} already exists (someone else made it; not followed)`;
    default:
      return reason(error);
  }
}

/** errno's text without Node's "ECODE: … , syscall 'path'" frame. */
function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EISDIR') return 'it is a directory';
  const text = /^[A-Z0-9]+: ([^,]+)/.exec(e.message)?.[1];
  return text !== undefined && e.code !== undefined ? `${text} (${e.code})` : e.message;
}

function symbolicLinkTarget(file: string): string | undefined {
  try {
    return fs.readlinkSync(file);
  } catch {
    // not a link (or nothing there)
    return undefined;
  }
}
