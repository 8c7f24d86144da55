/**
 * The fake FirewallPort (src/vrrp/ports.ts): records each batch in `batches` (the commands as given) and
 * keeps the tables an nft kernel would then hold (added, deleted; a delete of a missing table fails the
 * batch as nft does), so `tables()` answers as the kernel would. `failNext` makes the next batch reject with
 * that message, changing nothing.
 */
import type { NftCommand } from '../../src/vrrp/firewall/commands.js';
import type { FirewallPort, NftTable } from '../../src/vrrp/ports.js';

export interface FakeFirewall {
  readonly port: FirewallPort;
  readonly batches: (readonly NftCommand[])[];
  /** `family name` of each table present. */
  readonly tables: Set<string>;
  failNext: string | undefined;
}

export function fakeFirewall(initialTables: readonly NftTable[] = []): FakeFirewall {
  const fake: FakeFirewall = {
    batches: [],
    tables: new Set(initialTables.map((t) => `${t.family} ${t.name}`)),
    failNext: undefined,
    port: {
      apply: async (commands) => {
        fake.batches.push(commands);
        const failure = fake.failNext;
        fake.failNext = undefined;
        if (failure !== undefined) throw new Error(failure);
        const next = new Set(fake.tables);
        for (const c of commands) {
          const table = 'add' in c ? c.add['table'] : c.delete['table'];
          if (!table) continue;
          const key = `${String(table['family'])} ${String(table['name'])}`;
          if ('add' in c) next.add(key);
          else if (!next.delete(key)) throw new Error(`No such file or directory: delete table ${key}`);
        }
        fake.tables.clear();
        for (const t of next) fake.tables.add(t);
      },
      tables: async () => [...fake.tables].map((t) => ({ family: t.split(' ')[0]!, name: t.split(' ')[1]! })),
    },
  };
  return fake;
}
