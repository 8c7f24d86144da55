# The address sub-language of virtual_ipaddress, virtual_ipaddress_excluded
# and static_ipaddress entries (keepalived's alloc_ipaddress):
#
#   IP[/len] [brd IP|+|-] [dev IF] [scope S] [label L] [peer IP[/len]] [home]
#   [-nodad] [mngtmpaddr] [noprefixroute] [autojoin] [no_track]
#   [preferred_lft N|forever] [use_vmac | track_group G]
#
# Input: the entry's words joined by NUL (words may hold spaces when quoted);
# the lexer drops the NULs, so the rules below see words only.
# Output: the address word and the options in order, each tagged, so the
# checks that need the host or other entries (interfaces, track groups) and
# keepalived's messages stay in TypeScript. Like keepalived, an unknown word
# is an option of its own (reported, then skipped) and a keyword that takes a
# value swallows the next word whatever it is. Start symbols: `vip` (virtual
# addresses, which accept use_vmac) and `staticAddress` (track_group).

@preprocessor typescript

@{%
import moo from 'moo';

const words = moo.compile({
  sep: { match: "\0" },
  word: {
    match: /[^\0\n]+/,
    type: moo.keywords({
      param: ['dev', 'scope', 'broadcast', 'brd', 'label', 'peer', 'preferred_lft'],
      flag: ['home', '-nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'no_track'],
      useVmac: 'use_vmac',
      trackGroup: 'track_group',
    }),
  },
});

// The separators only delimit words; the parser never sees them (half the tokens, twice the speed).
const lexer = {
  reset: (chunk: string, info?: moo.LexerState) => words.reset(chunk, info),
  next: (): moo.Token | undefined => {
    let t = words.next();
    while (t && t.type === 'sep') t = words.next();
    return t;
  },
  save: () => words.save(),
  formatError: (t: moo.Token, message?: string) => words.formatError(t, message),
  has: (type: string) => words.has(type),
};

export type AddressOption =
  | { kind: 'param'; name: string; value: string }
  | { kind: 'flag'; name: string }
  | { kind: 'unknown'; word: string }
  /** A value keyword as the last word: keepalived's "No X parameter specified". */
  | { kind: 'missing'; name: string };

export interface AddressEntry {
  address: string;
  options: AddressOption[];
}

const text = (d: any): string => d[0].value;
%}

@lexer lexer

# Left recursion keeps the Earley parser linear per entry.
vip -> any vipOptions {% ([address, options]) => ({ address, options }) %}
  | any vipOptions valueKeyword {% ([address, options, name]) => ({ address, options: [...options, { kind: 'missing', name }] }) %}
staticAddress -> any staticOptions {% ([address, options]) => ({ address, options }) %}
  | any staticOptions staticValueKeyword {% ([address, options, name]) => ({ address, options: [...options, { kind: 'missing', name }] }) %}

vipOptions -> null {% () => [] %}
  | vipOptions vipOption {% ([options, o]) => [...options, o] %}

staticOptions -> null {% () => [] %}
  | staticOptions staticOption {% ([options, o]) => [...options, o] %}

vipOption -> common {% id %}
  | %useVmac {% () => ({ kind: 'flag', name: 'use_vmac' }) %}
  | %trackGroup {% (d) => ({ kind: 'unknown', word: text(d) }) %}

staticOption -> common {% id %}
  | %trackGroup any {% ([, value]) => ({ kind: 'param', name: 'track_group', value }) %}
  | %useVmac {% (d) => ({ kind: 'unknown', word: text(d) }) %}

common -> %param any {% ([p, value]) => ({ kind: 'param', name: p.value, value }) %}
  | %flag {% (d) => ({ kind: 'flag', name: text(d) }) %}
  | %word {% (d) => ({ kind: 'unknown', word: text(d) }) %}

valueKeyword -> %param {% text %}
staticValueKeyword -> %param {% text %} | %trackGroup {% text %}

any -> (%word | %param | %flag | %useVmac | %trackGroup) {% (d) => d[0][0].value %}
