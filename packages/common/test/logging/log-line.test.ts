import { expect } from 'chai';
import { formatLine, safeJson, type LineEntry, type LineStyle } from '../../src/log-line';

const entry = (over: Partial<LineEntry> = {}): LineEntry => ({
  timestamp: '2026-01-02T03:04:05.678Z',
  level: 'error',
  message: 'agent db2 does not answer',
  meta: { host: 'db2', request: 'GET_HEALTH' },
  ...over,
});
const text: LineStyle = { format: 'text', program: 'mmmd_mon', hostname: 'mon1', priorityPrefix: false };
const json: LineStyle = { ...text, format: 'json' };

describe('logging: line format', () => {
  it('text: time, program, level, message, key=value metadata (as before)', () => {
    expect(formatLine(entry(), text)).to.equal('2026-01-02T03:04:05.678Z mmmd_mon ERROR: agent db2 does not answer host=db2 request=GET_HEALTH');
    expect(formatLine(entry({ level: 'info', meta: { n: 3, o: { a: 1 } } }), text)).to.equal('2026-01-02T03:04:05.678Z mmmd_mon  INFO: agent db2 does not answer n=3 o={"a":1}');
  });

  it('JSON: timestamp, level, priority, program, hostname, message, then the metadata', () => {
    const line = formatLine(entry(), json);
    expect(line).to.equal(
      '{"timestamp":"2026-01-02T03:04:05.678Z","level":"error","priority":3,"program":"mmmd_mon","hostname":"mon1",' +
        '"message":"agent db2 does not answer","host":"db2","request":"GET_HEALTH"}',
    );
    expect(JSON.parse(formatLine(entry({ level: 'warn' }), json))).to.include({ level: 'warn', priority: 4 });
    expect(JSON.parse(formatLine(entry({ level: 'info' }), json))).to.include({ priority: 6 });
    expect(JSON.parse(formatLine(entry({ level: 'debug' }), json))).to.include({ priority: 7 });
  });

  it('JSON: metadata cannot replace a line field; `host` stays what the line is about', () => {
    const o = JSON.parse(formatLine(entry({ meta: { level: 'x', priority: 0, program: 'p', hostname: 'h', message: 'm', host: 'db1' } }), json));
    expect(o).to.deep.equal({
      timestamp: '2026-01-02T03:04:05.678Z',
      level: 'error',
      priority: 3,
      program: 'mmmd_mon',
      hostname: 'mon1',
      message: 'agent db2 does not answer',
      host: 'db1',
    });
  });

  it('the priority prefix goes before text and JSON lines alike', () => {
    expect(formatLine(entry(), { ...text, priorityPrefix: true })).to.match(/^<3>2026-01-02T03:04:05\.678Z mmmd_mon ERROR: /);
    const j = formatLine(entry({ level: 'warn' }), { ...json, priorityPrefix: true });
    expect(j.startsWith('<4>{')).to.equal(true);
    expect(JSON.parse(j.slice(3))).to.include({ priority: 4 });
    expect(formatLine(entry({ level: 'info', meta: { stack: 'Error: x\n    at y' } }), { ...text, priorityPrefix: true })).to.equal(
      '<6>2026-01-02T03:04:05.678Z mmmd_mon  INFO: agent db2 does not answer stack=Error: x\n<6>    at y',
    );
  });

  it('metadata that JSON.stringify refuses does not throw into the caller', () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    expect(safeJson({ n: 10n, e: new Error('boom'), cyc })).to.equal('{"n":"10","e":"boom","cyc":{"a":1,"self":"[circular]"}}');
    expect(() => formatLine(entry({ meta: { cyc, n: 1n } }), json)).to.not.throw();
    expect(() => formatLine(entry({ meta: { cyc, n: 1n } }), text)).to.not.throw();
  });
});
