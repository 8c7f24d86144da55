/**
 * Module resolution hooks (node:module register) that hand the daemon lab/fake-ipvs/netlink-port.ts wherever it
 * imports its IPVS socket module (dist/src/ipvs/netlink-port.js); everything else resolves as usual.
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';

interface Resolved {
  readonly url: string;
  readonly shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;

const FAKE = pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), 'netlink-port.js')).href;

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<Resolved> {
  const resolved = await next(specifier, context);
  return resolved.url.endsWith('/dist/src/ipvs/netlink-port.js') ? { url: FAKE, shortCircuit: true } : resolved;
}
