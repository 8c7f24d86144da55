/**
 * Scripts for the file-descriptor audit: `list-fds OUT` appends one JSON line to OUT with its uid and
 * every descriptor it started with (fd → readlink); `forge-advert OUT SOURCE VRID` also tries each
 * inherited descriptor as a raw IPv4 protocol 112 socket and, where one is, sends a forged VRRPv2
 * advert (priority 255, IP source SOURCE) to 224.0.0.18 through it, as finding 1 of issue 9 did.
 * python3, not sh: the shell keeps its own script open on a descriptor, python closes it before running.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The descriptors as read from /proc/self/fd, less the directory handle the reading itself holds. */
const LIST = `#!/usr/bin/python3
import json, os, socket, struct, sys

def descriptors():
    own = '/proc/%d/fd' % os.getpid()
    with os.scandir(own) as listing:
        found = {int(e.name): os.readlink(e.path) for e in listing}
    return {fd: target for fd, target in found.items() if target != own}

def record(out, **more):
    line = dict(argv=sys.argv, uid=os.getuid(), fds={str(fd): t for fd, t in sorted(fds.items())}, **more)
    with open(out, 'a') as f:
        f.write(json.dumps(line) + '\\n')

fds = descriptors()
`;

const FORGE = `${LIST}
def checksum(data):
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff

def advert(source, vrid):
    vrrp = bytearray(struct.pack('!BBBBBBH4s8s', 0x21, vrid, 255, 1, 0, 1, 0, socket.inet_aton('10.99.255.255'), b''))
    vrrp[6:8] = struct.pack('!H', checksum(bytes(vrrp)))
    # IP_HDRINCL: the kernel fills in the total length, id and header checksum left 0
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0xc0, 0, 0, 0, 255, 112, 0, socket.inet_aton(source), socket.inet_aton('224.0.0.18'))
    return ip + bytes(vrrp)

sent = []
for fd in fds:
    if fd <= 2:
        continue
    try:
        s = socket.socket(fileno=fd)
    except OSError:
        continue
    try:
        if s.family == socket.AF_INET and s.type == socket.SOCK_RAW and s.proto == 112:
            s.sendto(advert(sys.argv[2], int(sys.argv[3])), ('224.0.0.18', 0))
            sent.append(fd)
    except OSError as e:
        sent.append('%d: %s' % (fd, e))
    finally:
        s.detach()
record(sys.argv[1], sent=sent)
`;

export interface ScriptRun {
  argv: string[];
  uid: number;
  /** Descriptor number → what it refers to. */
  fds: Record<string, string>;
  /** forge-advert: the descriptors it sent a forged advert through. */
  sent?: (number | string)[];
}

/** Writes list-fds and forge-advert into `dir` (root's, 0755: keepalived's script security accepts them). */
export function writeFdScripts(dir: string): { listFds: string; forgeAdvert: string } {
  const listFds = path.join(dir, 'list-fds');
  const forgeAdvert = path.join(dir, 'forge-advert');
  fs.writeFileSync(listFds, `${LIST}record(sys.argv[1])\n`, { mode: 0o755 });
  fs.writeFileSync(forgeAdvert, FORGE, { mode: 0o755 });
  return { listFds, forgeAdvert };
}

/** Every run recorded in `file` (none when the script never ran). */
export function readRuns(file: string): ScriptRun[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ScriptRun);
}

const O_CLOEXEC = 0o2000000;

/**
 * This process's descriptors above stdio that a child it starts inherits (no close-on-exec; vitest's
 * worker has one): a daemon started from here gets them too, as it would get its starter's anywhere.
 */
export function inheritableHere(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    if (Number(fd) <= 2) continue;
    try {
      const flags = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      if (flags !== undefined && (Number.parseInt(flags, 8) & O_CLOEXEC) === 0) found[fd] = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      // the listing's own directory handle, closed by now
    }
  }
  return found;
}
