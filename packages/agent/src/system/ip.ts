// Virtual IPs on the cluster interface: `ip addr` plus gratuitous ARP, or per-host hook commands.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { type Logger, MmmError, errorMessage, nullLogger } from '@mmm/common';
import { type Runner, execRunner } from './exec';

export interface VipManager {
  readonly iface: string;
  has(ip: string): Promise<boolean>;
  /** Addresses on the interface (without prefix length). */
  list(): Promise<string[]>;
  /** Idempotent: an address already present is left alone. */
  add(ip: string): Promise<void>;
  /** Idempotent: an absent address is not an error. */
  del(ip: string): Promise<void>;
}

export interface IpVipOptions {
  iface: string;
  run?: Runner;
  logger?: Logger;
  /** Bound for every `ip` call and hook. */
  timeoutMs?: number; // 5000
  /** Bound for one arping (it waits about 1 s per probe). */
  arpTimeoutMs?: number; // 3000
  /** `arping -D` before adding: costs ~1 s, so off by default. */
  duplicateCheck?: boolean;
  /** Hook commands (`ip_add_command`/`ip_del_command`), run as `<cmd> <ip> <interface>`. */
  addCommand?: string;
  delCommand?: string;
  /**
   * Reads the addresses in-process (getifaddrs over netlink) instead of spawning `ip addr` for
   * every list (each SET_STATUS, GET_SYSTEM_STATUS): see interfaceAddresses(). Default
   * os.networkInterfaces, but only with the default `run`: a custom runner may run `ip` in
   * another network namespace than this process's (netnsRunner), where this would read the wrong
   * one; `false` turns it off.
   */
  interfaces?: (() => NodeJS.Dict<NetworkInterfaceInfo[]>) | false;
}

/**
 * Addresses on `iface` in os.networkInterfaces() output, or undefined when it does not say.
 * libuv lists only interfaces that are UP and RUNNING, and then every address of theirs; an
 * interface that is down, has no carrier or has no address is left out entirely. So `iface`
 * listed → its list is complete (a VIP not in it is not on the interface); not listed → unknown,
 * and the caller asks `ip addr`, which also sees the addresses of a down interface. A VIP must
 * never be reported absent while it is configured: a removal would be skipped and, once the link
 * is back, two hosts would answer for it. IPv4 addresses with a label (`ip addr add … label
 * eth0:1`) are listed under the label; ':' cannot be in an interface name, so `iface:` is one.
 */
export function interfaceAddresses(list: NodeJS.Dict<NetworkInterfaceInfo[]>, iface: string): string[] | undefined {
  let listed = false;
  const ips: string[] = [];
  for (const [name, infos] of Object.entries(list)) {
    if (name !== iface && !name.startsWith(`${iface}:`)) continue;
    listed ||= name === iface;
    for (const i of infos ?? []) ips.push(i.address);
  }
  return listed ? ips : undefined;
}

/** Addresses in `ip -o addr show dev IF` output. */
export function parseAddrList(out: string): string[] {
  const ips: string[] = [];
  for (const m of out.matchAll(/\binet6?\s+([0-9a-fA-F.:]+)(?:\/\d+)?/g)) ips.push(m[1]);
  return ips;
}

/** Flags of `ip -o link show IF`, e.g. ['LOOPBACK','UP','LOWER_UP']. */
export function parseLinkFlags(out: string): string[] {
  const m = /<([^>]*)>/.exec(out);
  return m ? m[1].split(',').filter((f) => f !== '') : [];
}

/** Gratuitous ARP is pointless (and fails) where the interface does no ARP. */
export function arpApplies(flags: readonly string[]): boolean {
  return !flags.includes('NOARP') && !flags.includes('LOOPBACK');
}

export function hostPrefix(ip: string): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

function splitCommand(cmd: string): [string, string[]] {
  const parts = cmd.trim().split(/\s+/);
  return [parts[0], parts.slice(1)];
}

export class IpVipManager implements VipManager {
  readonly iface: string;
  private readonly run: Runner;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly arpTimeoutMs: number;
  /** IPs a hook added: with hooks the address may never show up in `ip addr` (cloud APIs, recorders). */
  private readonly hooked = new Set<string>();
  private readonly arps = new Set<Promise<void>>();
  private readonly interfaces: (() => NodeJS.Dict<NetworkInterfaceInfo[]>) | undefined;

  constructor(private readonly o: IpVipOptions) {
    this.iface = o.iface;
    this.run = o.run ?? execRunner;
    this.interfaces = o.interfaces === false ? undefined : (o.interfaces ?? (o.run ? undefined : networkInterfaces));
    this.log = o.logger ?? nullLogger;
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.arpTimeoutMs = o.arpTimeoutMs ?? 3000;
  }

  async list(): Promise<string[]> {
    let ips = this.interfaces ? interfaceAddresses(this.interfaces(), this.iface) : undefined;
    if (!ips) {
      try {
        ips = parseAddrList((await this.run('ip', ['-o', 'addr', 'show', 'dev', this.iface], this.timeoutMs)).stdout);
      } catch (e) {
        // With hooks the interface may be a placeholder: what the hooks did is then all we know.
        if (!this.o.addCommand) throw e;
        ips = [];
      }
    }
    for (const ip of this.hooked) if (!ips.includes(ip)) ips.push(ip);
    return ips;
  }

  async has(ip: string): Promise<boolean> {
    return (await this.list()).includes(ip);
  }

  async add(ip: string): Promise<void> {
    if (this.o.addCommand) {
      const [file, args] = splitCommand(this.o.addCommand);
      await this.run(file, [...args, ip, this.iface], this.timeoutMs);
      this.hooked.add(ip);
      return;
    }
    if (await this.has(ip)) return;
    if (this.o.duplicateCheck) await this.checkDuplicate(ip);
    await this.run('ip', ['addr', 'add', hostPrefix(ip), 'dev', this.iface], this.timeoutMs);
    this.announce(ip);
  }

  async del(ip: string): Promise<void> {
    if (this.o.delCommand) {
      const [file, args] = splitCommand(this.o.delCommand);
      await this.run(file, [...args, ip, this.iface], this.timeoutMs);
      this.hooked.delete(ip);
      return;
    }
    if (!(await this.has(ip))) return;
    await this.run('ip', ['addr', 'del', hostPrefix(ip), 'dev', this.iface], this.timeoutMs);
  }

  /** Waits for background ARP announcements (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.arps]);
  }

  private async checkDuplicate(ip: string): Promise<void> {
    if (ip.includes(':') || !(await this.arpUseful())) return;
    try {
      // -D: exit 0 when nobody answered for the address.
      await this.run('arping', ['-D', '-q', '-c', '1', '-w', '1', '-I', this.iface, ip], this.arpTimeoutMs);
    } catch (e) {
      throw new MmmError('SYSTEM', `${ip} is already in use on the network of ${this.iface}: ${errorMessage(e)}`);
    }
  }

  private async arpUseful(): Promise<boolean> {
    const { stdout } = await this.run('ip', ['-o', 'link', 'show', 'dev', this.iface], this.timeoutMs);
    return arpApplies(parseLinkFlags(stdout));
  }

  /** Gratuitous ARP in the background: it takes ~1 s and must never delay the reply. */
  private announce(ip: string): void {
    if (ip.includes(':')) return; // IPv6 uses unsolicited NA, which the kernel sends itself
    const p = (async () => {
      try {
        if (!(await this.arpUseful())) return;
        await this.run('arping', ['-q', '-U', '-c', '1', '-I', this.iface, '-s', ip, ip], this.arpTimeoutMs);
        this.log.debug('gratuitous ARP sent', { ip, iface: this.iface });
      } catch (e) {
        this.log.warn('gratuitous ARP failed', { ip, iface: this.iface, error: errorMessage(e) });
      }
    })();
    this.arps.add(p);
    void p.finally(() => this.arps.delete(p));
  }
}
