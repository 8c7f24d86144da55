/**
 * A fake kernel for the RoutePort (src/vrrp/ports.ts): routes and rules in
 * two tables keyed by what the kernel matches on (keepalived's route_exist /
 * rule_is_equal identities). An add of a present route succeeds, as the real
 * port reads EEXIST; an add of a present rule answers EEXIST; a delete of a
 * missing route answers ESRCH, of a missing rule ENOENT. `requests` lists
 * every request as `add route TEXT`, `delete rule TEXT`, …; `refuse(errno)`
 * makes the next request answer that errno instead; after `hold()` the
 * answers wait until `release()`, as a slow kernel's would.
 */
import type { RoutePort } from '../../src/vrrp/ports.js';
import type { RouteSpec, RuleSpec } from '../../src/vrrp/settings/routes.js';

export class FakeRoutes implements RoutePort {
  readonly routes = new Map<string, RouteSpec>();
  readonly rules = new Map<string, RuleSpec>();
  private refusal: string | undefined;
  private held: (() => void)[] | undefined;

  /** `requests`: where each request is written (a test may share it with its address port's log). */
  constructor(readonly requests: string[] = []) {}

  refuse(errno: string): void {
    this.refusal = errno;
  }

  hold(): void {
    this.held ??= [];
  }

  /** Answers every held request, in order, and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const answer of held) answer();
  }

  route(op: 'add' | 'replace' | 'delete', route: RouteSpec): Promise<string | undefined> {
    this.requests.push(`${op} route ${route.text}`);
    return this.answer(() => {
      if (op === 'delete') return this.routes.delete(route.identity) ? undefined : 'ESRCH';
      this.routes.set(route.identity, route);
      return undefined;
    });
  }

  rule(op: 'add' | 'delete', rule: RuleSpec): Promise<string | undefined> {
    this.requests.push(`${op} rule ${rule.text}`);
    return this.answer(() => {
      if (op === 'delete') return this.rules.delete(rule.identity) ? undefined : 'ENOENT';
      if (this.rules.has(rule.identity)) return 'EEXIST';
      this.rules.set(rule.identity, rule);
      return undefined;
    });
  }

  private answer(apply: () => string | undefined): Promise<string | undefined> {
    const refused = this.takeRefusal();
    const result = (): string | undefined => refused ?? apply();
    if (!this.held) return Promise.resolve(result());
    const held = this.held;
    return new Promise((resolve) => held.push(() => resolve(result())));
  }

  private takeRefusal(): string | undefined {
    const r = this.refusal;
    this.refusal = undefined;
    return r;
  }
}
