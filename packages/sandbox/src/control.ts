// A minimal mmm_control for the sandbox: one control-protocol command over mutual TLS with the
// control certificate, the reply as text (MMM 2.x: command line, `quit`, read until close).
import { connect, controlRequest, loadConfig, nullLogger, type StatusDocument } from '@mmm/common';

export interface ControlTarget {
  /** DIR/mmm_control.conf */
  config: string;
}

/** Sends one command to the monitor and returns its whole answer (bounded by `timeoutMs`). */
export async function controlCommand(target: ControlTarget, line: string, timeoutMs = 5_000): Promise<string> {
  const { config } = loadConfig({ program: 'control', file: target.config });
  if (!config.monitor) throw new Error(`${target.config} has no <monitor> section`);
  const conn = await connect({
    host: config.monitor.ip,
    port: config.monitor.port,
    socket: config.socket,
    logger: nullLogger,
    timeoutMs,
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
