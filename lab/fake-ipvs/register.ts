/**
 * `node --import …/build/lab/fake-ipvs/register.js` (index.ts FAKE_IPVS_NODE_OPTIONS): keepalived-ts's checker on a kernel without IPVS, over the fake
 * kernel (hooks.ts). Given in NODE_OPTIONS, the daemon's forked children inherit it; keepalived's counterpart is the
 * LD_PRELOAD lab/fake-ipvs/sockopt.c.
 */
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
