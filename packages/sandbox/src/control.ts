// A minimal mmm_control for the sandbox: one control-protocol command over mutual TLS with the
// control certificate, the reply as text (MMM 2.x: command line, `quit`, read until close).
import { readFileSync } from 'node:fs';
import { connect, controlRequest, loadConfig, nullLogger, type StatusDocument, type TlsMaterial } from '@mmm/common';

// status_json is one line and grows with the cluster (~330 bytes per host): far above the agent
// protocol's 64 KiB line limit at 200 hosts. The monitor is a trusted peer here, so allow much more.
const MAX_REPLY_LINE_BYTES = 64 * 1024 * 1024;

export interface ControlTarget {
  /** DIR/mmm_control.conf */
  config: string;
  /** Another monitor than the config's `<monitor>` ip/port (monitor HA: each monitor's 127.0.0.1 port). */
  address?: { host: string; port: number };
}

/** Sends one command to the monitor and returns its whole answer (bounded by `timeoutMs`). */
export async function controlCommand(target: ControlTarget, line: string, timeoutMs = 5_000): Promise<string> {
  const { config } = loadConfig({ program: 'control', file: target.config });
  if (!config.monitor) throw new Error(`${target.config} has no <monitor> section`);
  const sock = config.socket;
  const read = (f: string | undefined, what: string): string => {
    if (!f) throw new Error(`${target.config}: no ${what}`);
    return readFileSync(f, 'utf8');
  };
  // The control certificate as the client identity (client_cert_file/client_key_file).
  const material: TlsMaterial | undefined = sock.type === 'plain' ? undefined : {
    cert: read(sock.clientCertFile ?? sock.certFile, 'client_cert_file'),
    key: read(sock.clientKeyFile ?? sock.keyFile, 'client_key_file'),
    ca: read(sock.caFile, 'ca_file'),
  };
  const conn = await connect({
    ...(material ? { material } : {}),
    host: target.address?.host ?? config.monitor.ip,
    port: target.address?.port ?? config.monitor.port,
    socket: config.socket,
    expectedRole: 'monitor',
    logger: nullLogger,
    timeoutMs,
    maxLineBytes: MAX_REPLY_LINE_BYTES,
  });
  try {
    for (const l of controlRequest(line).split('\n').filter(Boolean)) await conn.writeLine(l);
    const out: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`monitor: no complete answer to '${line}' within ${timeoutMs} ms`);
      const l = await conn.nextLine(left);
      if (l === null) break;
      out.push(l);
    }
    return out.join('\n');
  } finally {
    conn.destroy();
  }
}

/** `status_json` parsed. */
export async function statusJson(target: ControlTarget, timeoutMs = 5_000): Promise<StatusDocument> {
  const text = await controlCommand(target, 'status_json', timeoutMs);
  try {
    return JSON.parse(text) as StatusDocument;
  } catch {
    throw new Error(`monitor: status_json did not return JSON: ${text.slice(0, 200)}`);
  }
}
