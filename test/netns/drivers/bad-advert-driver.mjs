// Runs under `ip netns exec` for vrrp-bad-packets.test.ts: a third router on the LAN that sends VRRPv2 adverts
// to 224.0.0.18, each right but for one thing, through the compiled codec and the daemon's own raw socket
// (IP_HDRINCL: the TTL is ours; the kernel sets the IP total length and header checksum).
//
//   bad-advert-driver.mjs IFNAME SPEC_JSON
//   SPEC: { src, vrid, password, vips: [...], priority, advertInt, cases: [CASE...] }
//   CASE: good | lower (right, priority 50) | ttl | password | vrid | checksum | short
import { readFileSync } from 'node:fs';
import { openVrrpSocket4 } from '../../../dist/src/net/vrrp-socket4.js';
import { encodeIpv4Advert } from '../../../dist/src/vrrp/wire/ipv4-advert.js';
import { authDataFromPassword, VRRP_AUTH } from '../../../dist/src/vrrp/wire/packet.js';

const GROUP = '224.0.0.18';
const [ifname, specJson] = process.argv.slice(2);
const spec = JSON.parse(specJson);
let ipId = 1;

/** A right advert from `spec`, with `change` applied to its fields and `options` to its IP header. */
function advert(change = {}, options = {}) {
  const fields = {
    version: 2,
    vrid: spec.vrid,
    priority: spec.priority,
    addresses: spec.vips,
    authType: VRRP_AUTH.pass,
    advertIntervalSec: spec.advertInt,
    authData: authDataFromPassword(spec.password),
    ...change,
  };
  return encodeIpv4Advert(fields, { src: spec.src, dst: GROUP, ipId: ipId++, ...options });
}

const CASES = {
  good: () => advert(),
  lower: () => advert({ priority: 50 }),
  ttl: () => advert({}, { ttl: 64 }),
  password: () => advert({ authData: authDataFromPassword('not-it') }),
  vrid: () => advert({ vrid: spec.vrid + 1 }),
  // the VRRP checksum is the 16-bit word at offset 6 of the VRRP header (after the 20-byte IP header)
  checksum: () => {
    const packet = advert();
    packet[26] ^= 0xff;
    return packet;
  },
  // the authentication data cut short: 4 bytes less than the address count calls for
  short: () => advert().subarray(0, 20 + 8 + 4 * spec.vips.length + 4),
};

const ifindex = Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8'));
const socket = openVrrpSocket4(
  { family: 'inet', ifname, ifindex, multicastGroup: GROUP },
  () => undefined,
  (error) => {
    console.error(`socket error: ${error.message}`);
    process.exit(2);
  },
);
for (const name of spec.cases) {
  const build = CASES[name];
  if (!build) throw new Error(`unknown case ${name}`);
  socket.send(build(), GROUP);
  console.log(`sent ${name}`);
}
socket.close();
