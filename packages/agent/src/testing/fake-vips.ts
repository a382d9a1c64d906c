// In-memory VipManager for unit tests: records every call; failures can be injected per IP.
import { MmmError } from '@mmm/common';
import type { VipManager } from '../system/ip';

export class FakeVipManager implements VipManager {
  readonly ips = new Set<string>();
  readonly calls: string[] = [];
  /** IPs whose add/del throws. */
  readonly failAdd = new Set<string>();
  readonly failDel = new Set<string>();
  failList = false;

  constructor(
    readonly iface = 'eth0',
    initial: readonly string[] = [],
  ) {
    for (const ip of initial) this.ips.add(ip);
  }
  async list(): Promise<string[]> {
    if (this.failList) throw new MmmError('SYSTEM', 'ip addr show failed (injected)');
    return [...this.ips];
  }
  async has(ip: string): Promise<boolean> {
    return (await this.list()).includes(ip);
  }
  async add(ip: string): Promise<void> {
    this.calls.push(`add ${ip}`);
    if (this.failAdd.has(ip)) throw new MmmError('SYSTEM', `ip addr add ${ip} failed (injected)`);
    this.ips.add(ip);
  }
  async del(ip: string): Promise<void> {
    this.calls.push(`del ${ip}`);
    if (this.failDel.has(ip)) throw new MmmError('SYSTEM', `ip addr del ${ip} failed (injected)`);
    this.ips.delete(ip);
  }
}
