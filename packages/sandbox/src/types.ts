// Shapes shared by the DB layer of the sandbox and stored in its state file.
import type { Credentials } from './users';

export type NodeMode = 'master' | 'slave';
export type NetworkMode = 'loopback' | 'netns';

/** One MariaDB node of a sandbox. */
export interface DbNode {
  /** `db1`, `db2` (masters), `db3`… (replicas of db1). */
  name: string;
  /** 1-based: `db<index>`; also the server_id. */
  index: number;
  mode: NodeMode;
  /** Address clients use: 127.0.0.x (loopback) or 10.X.Y.(10+index) (netns). */
  ip: string;
  port: number;
  socket: string;
  /** mariadbd PID (from its pid-file); undefined until started. */
  pid?: number;
  /** Namespace the node runs in (netns mode). */
  netns?: string;
  dir: string;
  datadir: string;
  cnf: string;
  pidFile: string;
  errorLog: string;
}

/** The JSON written to DIR/db-cluster.json so another process can tear the sandbox down. */
export interface DbClusterState {
  version: 1;
  dir: string;
  network: NetworkMode;
  /** Names of namespaces we created (netns mode), switch namespace last. */
  namespaces: string[];
  /** Root-namespace interface we created (netns mode). */
  monitorIf?: string;
  monitorIp?: string;
  nodes: DbNode[];
  credentials: Credentials;
  /** MariaDB's TLS (ssl_cert/ssl_key per node, the CA); absent: the servers offer no TLS. */
  mysqlTls?: DbTls;
  /** `up --semisync`: the agent account can set semi-sync, and the configs say `durability semisync`. */
  semisync?: boolean;
  /** Monitor HA (`up --netns --monitors N`): the namespaces mon1…monN (a monitor and an etcd member each). */
  monitors?: Array<{ name: string; netns: string; ip: string }>;
}

/** Per node the MariaDB server certificate, and the CA the monitor and replicas verify it with. */
export interface DbTls {
  caFile: string;
  nodes: Record<string, { certFile: string; keyFile: string }>;
}
