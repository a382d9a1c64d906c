// GET_HEALTH payload: one `key=value,key=value` field after `OK: Returning health!`.
// WATCH_HEALTH answers the same, plus one field: the agent's health generation (an integer that
// changes whenever mysqld's running/answering/writable state or the lease state changes).
//
// Keys (fixed order; an absent key means "unknown", unknown keys are ignored by decoders so agents may add
// keys without breaking older monitors):
//   mysqld=running|stopped|unknown  is mysqld up; stopped only when certain (pid gone or port refused)
//   answering=1|0                did `SELECT 1` answer locally within the bound
//   writable=1|0                 read_only=0 (absent when not answering)
//   lease=held|expired|fenced|none  the writer lease (none: no writer role; fenced: it fenced itself)
//   lease_left_ms=<int>          ms until the lease expires (absent unless held)
//   replication=configured|none  does SHOW SLAVE STATUS return a row
//   io_running=1|0, sql_running=1|0, io_connected=1|0 (Slave_IO_Running is `Yes`, not `Connecting`)
//   last_heartbeat_age_ms=<int>  ms since the replica last heard its master (event or heartbeat)
//   gtid_io_pos, gtid_slave_pos, gtid_binlog_pos = GTID sets (see below)
//   gtid_binlog_state            MariaDB: last GTID per domain AND server_id; MySQL: gtid_executed
//                                (the monitor finds transactions a host has and the writer lacks)
//   server_id                    MariaDB @@server_id / MySQL @@server_uuid (the writer's own GTIDs)
//   seconds_behind=<int>         Seconds_Behind_Master (absent when NULL)
//   semisync_master=1|0          semi-sync master (MySQL: source) side enabled  } only with
//   semisync_master_status=1|0   Rpl_semi_sync_master_status: commits wait for   } durability
//                                a replica's ack (0: off, or fell back to async)  } semisync, and
//   semisync_master_clients=<int>  semi-sync replicas connected                   } only when the
//   semisync_master_yes_tx=<int>, semisync_master_no_tx=<int>  commits acked /    } server has
//                                committed without an acknowledgement             } semi-sync
//   semisync_slave=1|0, semisync_slave_status=1|0  replica side enabled / its IO thread acks
//
// GTID sets contain commas (`0-1-5,1-2-3`; MySQL's also contain newlines). In this field their commas are
// written as `;` and whitespace is dropped; no GTID syntax uses `;`, so the mapping is lossless. An empty
// value means the empty set. Other values are enums or integers and can never contain `,`, `=`, `|`.
import { ProtocolError } from '../errors';
import { type AgentReply, type AgentReplyInput, agentTexts } from './agent-reply';

export interface AgentHealth {
  mysqld: 'running' | 'stopped' | 'unknown';
  answering: boolean;
  writable?: boolean;
  lease: 'held' | 'expired' | 'fenced' | 'none';
  leaseLeftMs?: number;
  replication?: 'configured' | 'none';
  ioRunning?: boolean;
  sqlRunning?: boolean;
  ioConnected?: boolean;
  lastHeartbeatAgeMs?: number;
  gtidIoPos?: string;
  gtidSlavePos?: string;
  gtidBinlogPos?: string;
  gtidBinlogState?: string;
  serverId?: string;
  secondsBehind?: number;
  semisyncMaster?: boolean;
  semisyncMasterStatus?: boolean;
  semisyncMasterClients?: number;
  semisyncMasterYesTx?: number;
  semisyncMasterNoTx?: number;
  semisyncSlave?: boolean;
  semisyncSlaveStatus?: boolean;
}

type Codec = 'bool' | 'int' | 'gtid' | readonly string[];

// Property name, wire key, value codec. Order here is the order on the wire.
const KEYS: ReadonlyArray<readonly [keyof AgentHealth, string, Codec]> = [
  ['mysqld', 'mysqld', ['running', 'stopped', 'unknown']],
  ['answering', 'answering', 'bool'],
  ['writable', 'writable', 'bool'],
  ['lease', 'lease', ['held', 'expired', 'fenced', 'none']],
  ['leaseLeftMs', 'lease_left_ms', 'int'],
  ['replication', 'replication', ['configured', 'none']],
  ['ioRunning', 'io_running', 'bool'],
  ['sqlRunning', 'sql_running', 'bool'],
  ['ioConnected', 'io_connected', 'bool'],
  ['lastHeartbeatAgeMs', 'last_heartbeat_age_ms', 'int'],
  ['gtidIoPos', 'gtid_io_pos', 'gtid'],
  ['gtidSlavePos', 'gtid_slave_pos', 'gtid'],
  ['gtidBinlogPos', 'gtid_binlog_pos', 'gtid'],
  ['gtidBinlogState', 'gtid_binlog_state', 'gtid'],
  ['serverId', 'server_id', 'gtid'],
  ['secondsBehind', 'seconds_behind', 'int'],
  // Added with durability semisync (issue 16): older monitors ignore them.
  ['semisyncMaster', 'semisync_master', 'bool'],
  ['semisyncMasterStatus', 'semisync_master_status', 'bool'],
  ['semisyncMasterClients', 'semisync_master_clients', 'int'],
  ['semisyncMasterYesTx', 'semisync_master_yes_tx', 'int'],
  ['semisyncMasterNoTx', 'semisync_master_no_tx', 'int'],
  ['semisyncSlave', 'semisync_slave', 'bool'],
  ['semisyncSlaveStatus', 'semisync_slave_status', 'bool'],
];
const REQUIRED: ReadonlyArray<keyof AgentHealth> = ['mysqld', 'answering', 'lease'];

/** Wire keys of GET_HEALTH, in order. */
export const HEALTH_KEYS: readonly string[] = KEYS.map(([, k]) => k);

const RESERVED = /[,=|\r\n]/;

/** `,`-joined `key=value` pairs; refuses keys or values that would break the framing. */
export function encodeKeyValues(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs
    .map(([k, v]) => {
      if (!/^[a-z0-9_]+$/.test(k) || RESERVED.test(v)) {
        throw new ProtocolError('PROTOCOL_INVALID', `Health value cannot be framed: ${JSON.stringify(`${k}=${v}`)}`);
      }
      return `${k}=${v}`;
    })
    .join(',');
}

/** Parses `key=value,…`; throws ProtocolError on a pair without `=` or a repeated key. */
export function decodeKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text === '') return out;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ProtocolError('PROTOCOL_INVALID', `Malformed health pair '${pair}'`);
    const k = pair.slice(0, eq);
    if (out.has(k)) throw new ProtocolError('PROTOCOL_INVALID', `Repeated health key '${k}'`);
    out.set(k, pair.slice(eq + 1));
  }
  return out;
}

/** Writes a GTID set the way GET_HEALTH carries it: commas as `;`, no whitespace. */
export function gtidToHealthValue(gtid: string): string {
  const compact = gtid.replace(/\s+/g, '');
  if (/[;=|]/.test(compact)) throw new ProtocolError('PROTOCOL_INVALID', `Not a GTID set: ${JSON.stringify(gtid)}`);
  return compact.replace(/,/g, ';');
}

export function gtidFromHealthValue(v: string): string {
  return v.replace(/;/g, ',');
}

function encodeValue(key: string, codec: Codec, v: unknown): string {
  if (codec === 'bool') return v ? '1' : '0';
  if (codec === 'int') {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ProtocolError('PROTOCOL_INVALID', `Health key ${key} needs a non-negative number, got ${String(v)}`);
    }
    return String(Math.round(v));
  }
  if (codec === 'gtid') return gtidToHealthValue(String(v));
  if (!codec.includes(String(v))) throw new ProtocolError('PROTOCOL_INVALID', `Health key ${key}: bad value ${String(v)}`);
  return String(v);
}

function decodeValue(key: string, codec: Codec, v: string): unknown {
  const bad = (): never => {
    throw new ProtocolError('PROTOCOL_INVALID', `Health key ${key}: bad value '${v}'`);
  };
  if (codec === 'bool') return v === '1' ? true : v === '0' ? false : bad();
  if (codec === 'int') return /^\d{1,15}$/.test(v) ? Number(v) : bad();
  if (codec === 'gtid') return gtidFromHealthValue(v);
  return codec.includes(v) ? v : bad();
}

/** Encodes the health field (absent/undefined properties are left out). */
export function encodeHealth(h: AgentHealth): string {
  const pairs: Array<[string, string]> = [];
  for (const [prop, key, codec] of KEYS) {
    const v = h[prop];
    if (v !== undefined) pairs.push([key, encodeValue(key, codec, v)]);
  }
  return encodeKeyValues(pairs);
}

/** Decodes the health field; unknown keys are ignored, missing required keys are an error. */
export function decodeHealth(field: string): AgentHealth {
  const kv = decodeKeyValues(field);
  const out: Record<string, unknown> = {};
  for (const [prop, key, codec] of KEYS) {
    const v = kv.get(key);
    if (v !== undefined) out[prop] = decodeValue(key, codec, v);
  }
  for (const prop of REQUIRED) {
    if (out[prop] === undefined) throw new ProtocolError('PROTOCOL_INVALID', `Health field lacks '${prop}'`);
  }
  return out as unknown as AgentHealth;
}

export function healthReply(h: AgentHealth, uptime: number | string): AgentReplyInput {
  return { ok: true, text: agentTexts.returningHealth, fields: [encodeHealth(h)], uptime };
}

export function parseHealthReply(r: AgentReply): AgentHealth {
  if (!r.ok) throw new ProtocolError('PROTOCOL_INVALID', `GET_HEALTH reply: agent answered ERROR: ${r.message}`);
  if (r.fields.length < 1) throw new ProtocolError('PROTOCOL_INVALID', 'GET_HEALTH reply has no health field');
  return decodeHealth(r.fields[0]);
}

/** A WATCH_HEALTH reply: GET_HEALTH's, then the generation the health is at least as new as. */
export function watchHealthReply(h: AgentHealth, generation: number, uptime: number | string): AgentReplyInput {
  if (!(Number.isSafeInteger(generation) && generation >= 0)) throw new ProtocolError('PROTOCOL_INVALID', `Health generation must be a non-negative integer, got ${generation}`);
  return { ok: true, text: agentTexts.returningHealth, fields: [encodeHealth(h), String(generation)], uptime };
}

export function parseWatchHealthReply(r: AgentReply): { health: AgentHealth; generation: number } {
  if (!r.ok) throw new ProtocolError('PROTOCOL_INVALID', `WATCH_HEALTH reply: agent answered ERROR: ${r.message}`);
  const [field, generation] = r.fields;
  if (field === undefined || generation === undefined) throw new ProtocolError('PROTOCOL_INVALID', 'WATCH_HEALTH reply lacks the health field or the generation');
  if (!/^\d{1,15}$/.test(generation)) throw new ProtocolError('PROTOCOL_INVALID', `WATCH_HEALTH reply: bad generation '${generation}'`);
  return { health: decodeHealth(field), generation: Number(generation) };
}
