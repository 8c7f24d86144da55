/**
 * The soak's keepalived.conf (soak/long-soak.ts), the same text for keepalived and keepalived-ts but for the names:
 * one VRRP instance whose priority a track_file moves (so the pair hands over on a schedule), notify scripts and
 * notify FIFOs for both processes, and two virtual servers of the flapping real servers (lab/flapping-servers.ts),
 * half TCP_CHECK, half HTTP_GET, each with notify_up/notify_down.
 */

export interface SoakNode {
  /** 1-based in its pair: node 1 has the higher base priority. */
  readonly index: 1 | 2;
  readonly vrid: number;
  readonly vip: string;
  /** The virtual servers' address (the fake IPVS takes any). */
  readonly vsAddress: string;
  /** Files: notify.sh, the FIFOs, the track file. */
  readonly files: { readonly notify: string; readonly vrrpFifo: string; readonly lvsFifo: string; readonly trackFile: string };
}

export interface RealServers {
  readonly address: string;
  readonly basePort: number;
  readonly count: number;
  readonly delayLoop: number;
}

/** How much the track file's value (0 or 1) moves node 2 by: above node 1 at 1, below it at 0. */
export const TRACK_WEIGHT = 20;

export function soakConfig(node: SoakNode, rs: RealServers): string {
  const f = node.files;
  const out = [
    'global_defs {',
    `    router_id soak${node.vrid}n${node.index}`,
    `    vrrp_notify_fifo ${f.vrrpFifo}`,
    `    lvs_notify_fifo ${f.lvsFifo}`,
    '}',
    '',
    'track_file flip {',
    `    file ${f.trackFile}`,
    `    weight ${TRACK_WEIGHT}`,
    '}',
    '',
    'vrrp_instance VI_1 {',
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${node.vrid}`,
    `    priority ${node.index === 1 ? 100 : 90}`,
    '    advert_int 1',
    '    track_file {',
    '        flip',
    '    }',
    '    virtual_ipaddress {',
    `        ${node.vip}/24`,
    '    }',
    `    notify ${f.notify}`,
    '}',
    '',
  ];
  const half = Math.ceil(rs.count / 2);
  for (const [v, http] of [[0, false], [1, true]] as const) {
    out.push(`virtual_server ${node.vsAddress} ${80 + v} {`, `    delay_loop ${rs.delayLoop}`, '    lb_algo rr', '    lb_kind NAT', '    protocol TCP', '');
    // even ports are bare TCP, odd ones HTTP (lab/flapping-servers.ts)
    for (let i = http ? 1 : 0; i < rs.count && i < 2 * half; i += 2) {
      out.push(
        `    real_server ${rs.address} ${rs.basePort + i} {`,
        '        weight 1',
        `        notify_up "${f.notify} up ${i}"`,
        `        notify_down "${f.notify} down ${i}"`,
        ...(http
          ? ['        HTTP_GET {', '            url {', '                path /', '                status_code 200', '            }']
          : ['        TCP_CHECK {']),
        '            connect_timeout 2',
        '            retry 1',
        '            delay_before_retry 1',
        '        }',
        '    }',
      );
    }
    out.push('}', '');
  }
  return out.join('\n');
}
