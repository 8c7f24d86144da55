/**
 * The vm layer itself: a real IPVS kernel answers. Later tests in this
 * folder run keepalived-ts there and compare `ipvsadm -Sn` with keepalived's.
 */
import { describe, expect, it } from 'vitest';
import { requireLayerOrSkip } from '../setup/layer.js';
import { prepareKernel, runInVm } from '../../lab/vm.js';

describe.skipIf(!requireLayerOrSkip('vm'))('IPVS in a VM', () => {
  it('loads ip_vs with its schedulers and programs a service', () => {
    const kernel = prepareKernel();
    const r = runInVm(
      kernel,
      [
        // IPVS only accepts destinations it can route to
        'ip link add dummy0 type dummy',
        'ip addr add 10.99.1.254/24 dev dummy0',
        'ip link set dummy0 up',
        'modprobe ip_vs',
        'ipvsadm -A -t 10.99.1.100:80 -s wrr', 'ipvsadm -a -t 10.99.1.100:80 -r 10.99.1.11:80 -m -w 2', 'ipvsadm -Sn',
      ].join(' && \\\n') + '\n',
    );
    expect(r.output).toContain('-A -t 10.99.1.100:80 -s wrr');
    expect(r.output).toContain('-a -t 10.99.1.100:80 -r 10.99.1.11:80 -m -w 2');
    expect(r.exitCode).toBe(0);
  }, 300_000);
});
