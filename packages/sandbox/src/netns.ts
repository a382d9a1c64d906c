// netns mode (root only): every node in its own namespace with `eth0` (a veth) on bridge `br0`
// inside a switch namespace, plus one veth from the root namespace into the bridge (.10/24) so a
// monitor in the root namespace reaches the nodes. That veth's route is the only root-namespace
// route to these addresses. Nothing here touches namespaces or interfaces we did not create.
import { isRoot, run, SandboxError, sleep, stopPid, type RunOptions, type RunResult } from './exec';
import { monitorIp, type SandboxNames } from './paths';

const ip = (args: string[], opts?: RunOptions): Promise<RunResult> => run('ip', args, { timeoutMs: 10_000, ...opts });

/** Names of existing network namespaces. */
export async function listNamespaces(): Promise<string[]> {
  const out = (await ip(['netns', 'list'])).stdout;
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
}

/** True when we are root and `ip netns` works here; otherwise the reason why not. */
export async function netnsSupport(): Promise<true | string> {
  if (!isRoot()) return 'netns mode needs root';
  try {
    await listNamespaces();
    return true;
  } catch (err) {
    return `ip netns does not work here: ${(err as Error).message}`;
  }
}

/** Runs `cmd args…` inside namespace `ns` (bounded). */
export function execInNs(ns: string, cmd: string, args: string[], opts?: RunOptions): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs: 30_000, ...opts });
}

export interface NetnsNode {
  name: string;
  /** The node's namespace. */
  netns: string;
  ip: string;
}

/** A node that may or may not live in a namespace (a DbNode); helpers below need one that does. */
export interface NodeRef {
  name: string;
  ip: string;
  netns?: string | undefined;
}

function inNs(node: NodeRef): NetnsNode {
  if (!node.netns) throw new SandboxError('SANDBOX', `${node.name} is not in a network namespace (netns mode only)`);
  return { name: node.name, netns: node.netns, ip: node.ip };
}

/** Refuses to start when our names or subnet are already in use (a sandbox on this DIR is up, or a hash collision). */
async function checkFree(names: SandboxNames, nodes: NetnsNode[]): Promise<void> {
  const existing = new Set(await listNamespaces());
  const taken = [names.netns.switchNs, ...nodes.map((n) => n.netns)].filter((n) => existing.has(n));
  if (taken.length) {
    throw new SandboxError('CONFLICT', `network namespaces ${taken.join(', ')} already exist: is a sandbox in ${names.dir} up? (run down first)`);
  }
  const addrs = (await ip(['-o', '-4', 'addr', 'show'])).stdout;
  if (addrs.includes(` ${names.netns.subnet}.`) || addrs.includes(`: ${names.netns.monitorIf}`)) {
    throw new SandboxError('CONFLICT', `subnet ${names.netns.subnet}.0/24 or interface ${names.netns.monitorIf} is already in use in the root namespace`);
  }
}

/**
 * Creates the switch namespace with br0, one namespace per node (lo up, eth0 = veth into br0 with
 * the node's ip/24) and the root-namespace monitor veth (.10/24). `onCreated` is called with each
 * namespace and root-namespace link right after it exists, so a caller can record it for cleanup
 * before the next step fails (and never records a name someone else owns).
 */
export async function createNetwork(
  names: SandboxNames,
  nodes: NetnsNode[],
  onCreated: (kind: 'netns' | 'link', name: string) => void,
): Promise<void> {
  await checkFree(names, nodes);
  const sw = names.netns.switchNs;
  await ip(['netns', 'add', sw]);
  onCreated('netns', sw);
  await ip(['-n', sw, 'link', 'set', 'lo', 'up']);
  await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
  for (const n of nodes) {
    await ip(['netns', 'add', n.netns]);
    onCreated('netns', n.netns);
    // The pair is created inside the node's namespace with its peer directly in the switch:
    // nothing ever appears in the root namespace, so names can't clash with anyone's.
    await ip(['-n', n.netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', n.name, 'netns', sw]);
    await ip(['-n', sw, 'link', 'set', n.name, 'master', 'br0']);
    await ip(['-n', sw, 'link', 'set', n.name, 'up']);
    await ip(['-n', n.netns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', n.netns, 'addr', 'add', `${n.ip}/24`, 'dev', 'eth0']);
    await ip(['-n', n.netns, 'link', 'set', 'eth0', 'up']);
  }
  const mon = names.netns.monitorIf;
  await ip(['link', 'add', mon, 'type', 'veth', 'peer', 'name', 'mon', 'netns', sw]);
  onCreated('link', mon);
  await ip(['-n', sw, 'link', 'set', 'mon', 'master', 'br0']);
  await ip(['-n', sw, 'link', 'set', 'mon', 'up']);
  await ip(['addr', 'add', `${monitorIp(names)}/24`, 'dev', mon]);
  await ip(['link', 'set', mon, 'up']);
}

/** PIDs of processes inside namespace `ns` ([] if it doesn't exist). */
export async function nsPids(ns: string): Promise<number[]> {
  const r = await ip(['netns', 'pids', ns], { allowFail: true });
  if (r.code !== 0) return [];
  return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => p > 0);
}

/**
 * Removes our namespaces (after stopping whatever still runs inside them: only processes inside
 * OUR namespaces are touched) and the root-namespace monitor veth. Idempotent.
 */
export async function destroyNetwork(namespaces: string[], monitorIf: string | undefined): Promise<void> {
  const existing = new Set(await listNamespaces());
  const ours = namespaces.filter((n) => existing.has(n));
  const pids = (await Promise.all(ours.map(nsPids))).flat();
  await Promise.all(pids.map((p) => stopPid(p, { graceMs: 10_000 })));
  for (const ns of ours) await ip(['netns', 'del', ns], { allowFail: true });
  if (monitorIf) {
    // Deleting the switch namespace destroys the pair; delete explicitly in case it was not.
    const r = await ip(['link', 'show', monitorIf], { allowFail: true });
    if (r.code === 0) await ip(['link', 'del', monitorIf], { allowFail: true });
  }
  // veth destruction on namespace deletion is asynchronous in the kernel: wait (bounded) for it.
  for (let i = 0; monitorIf && i < 40; i++) {
    if ((await ip(['link', 'show', monitorIf], { allowFail: true })).code !== 0) break;
    await sleep(50);
  }
}

/**
 * Takes the node's cable out (`down`) or puts it back (`up`): the switch-side end of its veth.
 * The node's own eth0 and addresses (VIPs included) stay as they are; it just loses carrier.
 */
export async function setLink(node: NodeRef, state: 'up' | 'down'): Promise<void> {
  await ip(['-n', switchNsOf(node), 'link', 'set', node.name, state]);
}

/** The switch namespace of a node's sandbox: `mmm-abcdef-db1` → `mmm-abcdef-sw`. */
export function switchNsOf(ref: NodeRef): string {
  const node = inNs(ref);
  if (!node.netns.endsWith(`-${node.name}`)) throw new SandboxError('SANDBOX', `${node.name} is not in a sandbox namespace (${node.netns})`);
  return `${node.netns.slice(0, -node.name.length)}sw`;
}

/** Addresses on the node's eth0 other than its own ip (its VIPs). */
export async function vipsOf(ref: NodeRef): Promise<string[]> {
  const node = inNs(ref);
  const out = (await ip(['-n', node.netns, '-j', 'addr', 'show', 'dev', 'eth0'])).stdout;
  const links = JSON.parse(out || '[]') as Array<{ addr_info?: Array<{ family?: string; local?: string }> }>;
  return links
    .flatMap((l) => l.addr_info ?? [])
    .filter((a) => a.family === 'inet' && a.local && a.local !== node.ip)
    .map((a) => a.local!);
}
