import { expect } from 'chai';
import {
  type ControlCommand,
  controlRequest,
  encodeControlCommand,
  HELP_TEXT,
  parseControlCommand,
  texts,
} from '../../src/protocol';

// MMM 2.2.1's help text, copied from lib/Monitor/Commands.pm, with our status_json line appended.
const MMM_HELP = `Valid commands are:
    help                              - show this message
    ping                              - ping monitor
    show                              - show status
    checks [<host>|all [<check>|all]] - show checks status
    set_online <host>                 - set host <host> online
    set_offline <host>                - set host <host> offline
    mode                              - print current mode.
    set_active                        - switch into active mode.
    set_manual                        - switch into manual mode.
    set_passive                       - switch into passive mode.
    move_role [--force] <role> <host> - move exclusive role <role> to host <host>
                                        (Only use --force if you know what you are doing!)
    set_ip <ip> <host>                - set role with ip <ip> to host <host>
`;

const cases: Array<[string, ControlCommand]> = [
  ['help', { kind: 'help' }],
  ['ping', { kind: 'ping' }],
  ['show', { kind: 'show' }],
  ['checks', { kind: 'checks', host: 'all', check: 'all' }],
  ['checks db1', { kind: 'checks', host: 'db1', check: 'all' }],
  ['checks db1 mysql', { kind: 'checks', host: 'db1', check: 'mysql' }],
  ['checks all rep_backlog', { kind: 'checks', host: 'all', check: 'rep_backlog' }],
  ['set_online db1', { kind: 'set_online', host: 'db1' }],
  ['set_offline db3', { kind: 'set_offline', host: 'db3' }],
  ['move_role writer db2', { kind: 'move_role', role: 'writer', host: 'db2', force: false }],
  ['move_role --force writer db2', { kind: 'move_role', role: 'writer', host: 'db2', force: true }],
  ['set_ip 10.77.0.100 db2', { kind: 'set_ip', ip: '10.77.0.100', host: 'db2' }],
  ['mode', { kind: 'mode' }],
  ['set_active', { kind: 'set_active' }],
  ['set_manual', { kind: 'set_manual' }],
  ['set_passive', { kind: 'set_passive' }],
  ['status_json', { kind: 'status_json' }],
  ['ack_failover', { kind: 'ack_failover' }],
  ['history', { kind: 'history', count: 20 }],
  ['history 5', { kind: 'history', count: 5 }],
  ['history 500', { kind: 'history', count: 500 }],
  ['quit', { kind: 'quit' }],
];

describe('protocol/control', () => {
  for (const [line, cmd] of cases) {
    it(`parses and encodes '${line}'`, () => {
      expect(parseControlCommand(line)).to.deep.equal({ ok: true, command: cmd });
      expect(encodeControlCommand(cmd)).to.equal(line);
      expect(parseControlCommand(encodeControlCommand(cmd))).to.deep.equal({ ok: true, command: cmd });
    });
  }

  it('keeps MMM 2.2.1 help text and adds our commands after it, in its style', () => {
    expect(HELP_TEXT).to.equal(
      `${MMM_HELP}    status_json                       - show status as one JSON document\n` +
        '    ack_failover                      - acknowledge the last automatic failover (ends failover_cooldown)\n' +
        '    history [<count>]                 - show the last <count> (default 20) failovers, switchovers, state changes, blocked decisions\n',
    );
  });

  for (const bad of ['history 0', 'history 501', 'history -1', 'history x', 'history 1.5', 'history 5 6']) {
    it(`refuses '${bad}' with MMM's invalid-command text (a count is 1 to 500)`, () => {
      expect(parseControlCommand(bad)).to.deep.equal({ ok: false, reply: texts.invalidCommand(bad) });
    });
  }

  it("answers an invalid line with Invalid command '<line>'\\n\\n + help (mmm-wire.md §3.2)", () => {
    const res = parseControlCommand('foo');
    expect(res).to.deep.equal({ ok: false, reply: `Invalid command 'foo'\n\n${HELP_TEXT}` });
    expect(texts.invalidCommand('foo').startsWith("Invalid command 'foo'\n\nValid commands are:\n    help ")).to.equal(true);
  });

  it('splits like Perl split(/\\s+/) with exact arity', () => {
    expect(parseControlCommand('set_online\tdb1  ')).to.deep.equal({ ok: true, command: { kind: 'set_online', host: 'db1' } });
    for (const bad of ['', ' show', 'show x', 'set_online', 'set_online a b', 'checks a b c', 'move_role writer', 'move_role -f writer db2', 'set_ip 1.2.3.4', 'quit now', 'PING', 'mode x']) {
      expect(parseControlCommand(bad), bad).to.deep.equal({ ok: false, reply: texts.invalidCommand(bad) });
    }
    // Like MMM: with two arguments `--force` is taken as the role name.
    expect(parseControlCommand('move_role --force writer')).to.deep.equal({
      ok: true,
      command: { kind: 'move_role', role: '--force', host: 'writer', force: false },
    });
  });

  it('builds the client request with quit', () => {
    expect(controlRequest('show')).to.equal('show\nquit\n');
    expect(() => controlRequest('show\nset_passive')).to.throw(RangeError);
  });

  describe('reply texts match mmm-wire.md §3.2 and mmm.md §7', () => {
    const literal: Array<[string, string]> = [
      [texts.pingOk(), 'OK: Pinged successfully!'],
      [texts.mode('ACTIVE'), 'ACTIVE'],
      [texts.switchedManual(), 'OK: Switched into manual mode.'],
      [texts.switchedActive(), 'OK: Switched into active mode.'],
      [texts.switchedPassive(), 'OK: Switched into passive mode.'],
      [texts.alreadyActive(), 'OK: Already in active mode.'],
      [texts.alreadyManual(), 'OK: Already in manual mode.'],
      [texts.alreadyPassive(), 'OK: Already in passive mode.'],
      [texts.setOnlineOk('db1'), "OK: State of 'db1' changed to ONLINE. Now you can wait some time and check its new roles!"],
      [texts.setOfflineOk('db3'), "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!"],
      [texts.moveRoleOk('writer', 'db1', 'db2'), "OK: Role 'writer' has been moved from 'db1' to 'db2'. Now you can wait some time and check new roles info!"],
      [texts.cantHandle('db3', 'writer', ['db1', 'db2']), "ERROR: Host 'db3' can't handle role 'writer'. Only following hosts could: db1, db2"],
      [texts.notInPassive(), 'ERROR: This command is not allowed in passive mode'],
      [texts.unknownHost('dbX'), "ERROR: Unknown host name 'dbX'!"],
      [texts.unknownCheck('nosuch'), "ERROR: Unknown check 'nosuch'!"],
      [texts.unknownRole('foo'), "ERROR: Unknown role name 'foo'!"],
      [texts.alreadyOnline(), 'OK: This host is already ONLINE. Skipping command.'],
      [texts.alreadyOffline(), 'OK: This host is already ADMIN_OFFLINE. Skipping command.'],
      [texts.cantSetOnline('db1', 'HARD_OFFLINE'), "ERROR: Host 'db1' is 'HARD_OFFLINE' at the moment. It can't be switched to ONLINE."],
      [texts.cantSetOffline('db1', 'AWAITING_RECOVERY'), "ERROR: Host 'db1' is 'AWAITING_RECOVERY' at the moment. It can't be switched to ADMIN_OFFLINE."],
      [texts.checksNotOk('db1'), "ERROR: Checks ping and/or mysql are not ok for host 'db1'. It can't be switched to ONLINE."],
      [texts.peerReplicationFailed('db2', 'db1'), "ERROR: Some replication checks failed on peer 'db2'. We can't set 'db1' online now. Please, wait some time."],
      [texts.agentUnreachableState('db1'), "ERROR: Can't reach agent daemon on 'db1'! Can't switch its state!"],
      [texts.agentUnreachableMove('db2'), "ERROR: Can't reach agent daemon on 'db2'! Can't move roles there!"],
      [texts.cantMoveToState('HARD_OFFLINE'), "ERROR: Can't move role to host with state HARD_OFFLINE."],
      [texts.roleAlreadyThere('db1'), "OK: Role is on 'db1' already. Skipping command."],
      [texts.assignedToPreferred('writer', 'db1'), "ERROR: Role 'writer' is assigned to preferred host 'db1'. Can't move it!"],
      [texts.onlyInPassive(), 'ERROR: This command is only allowed in passive mode'],
      [texts.setIpOk('writer', '10.77.0.100', 'db2'), "OK: Set role 'writer(10.77.0.100)' to host 'db2'."],
      [texts.cantConnect(), "ERROR: Can't connect to monitor daemon!"],
      [texts.forcedMoveRoleOk('writer', 'db1', 'db2'), "OK: Role 'writer' has been moved from 'db1' to 'db2' enforcedly. Now you can wait some time and check new roles info!"],
    ];
    for (const [got, want] of literal) {
      it(want, () => expect(got).to.equal(want));
    }
  });
});
