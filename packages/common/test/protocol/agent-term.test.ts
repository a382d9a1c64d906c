// SET_TERM's reply texts (issue 19): the wire text the monitor side relies on, and their parsers.
import { expect } from 'chai';
import { decodeAgentReply, encodeAgentReply, parseTermAccepted, parseTermRefusal, termTexts } from '../../src/protocol';
import { ProtocolError } from '../../src/errors';

describe('protocol/agent-term', () => {
  it('writes the texts of the fixed wire (ha-ctx): OK and the three refusals', () => {
    expect(encodeAgentReply({ ok: true, text: termTexts.accepted(5), uptime: 1 })).to.equal('OK: Term 5 accepted|UP:1.00');
    expect(termTexts.stale(4, 5)).to.equal('Refused: stale term 4 < 5; nothing changed');
    expect(termTexts.owned(5, 'mon1')).to.equal('Refused: term 5 belongs to monitor mon1; nothing changed');
    expect(termTexts.follows(5, 'mon1')).to.equal('Refused: this agent follows term 5 (monitor mon1); send SET_TERM first; nothing changed');
  });

  it('parses each refusal from the ERROR reply line, and nothing else', () => {
    const of = (text: string) => parseTermRefusal(decodeAgentReply(encodeAgentReply({ ok: false, text, uptime: 3 })).message);
    expect(of(termTexts.stale(4, 5))).to.deep.equal({ kind: 'stale', term: 4, max: 5 });
    expect(of(termTexts.owned(5, 'mon-a.example'))).to.deep.equal({ kind: 'owned', term: 5, monitor: 'mon-a.example' });
    expect(of(termTexts.follows(12, 'm2'))).to.deep.equal({ kind: 'follows', max: 12, monitor: 'm2' });
    expect(of('Refused: stale SET_STATUS: it came on monitor connection #1, and #2 (newer) has sent a status since; nothing changed')).to.equal(undefined);
    expect(of(termTexts.notRecorded(5, '/x', 'EACCES'))).to.equal(undefined);
  });

  it('reads the accepted term; anything else is a protocol error', () => {
    expect(parseTermAccepted(decodeAgentReply('OK: Term 9 accepted|UP:1.00'))).to.equal(9);
    expect(() => parseTermAccepted(decodeAgentReply('ERROR: Refused: stale term 4 < 5; nothing changed|UP:1.00'))).to.throw(ProtocolError, /stale term/);
    expect(() => parseTermAccepted(decodeAgentReply("ERROR: Invalid command 'SET_TERM'!|UP:1.00"))).to.throw(ProtocolError);
    expect(() => parseTermAccepted(decodeAgentReply('OK: Pinged!|UP:1.00'))).to.throw(ProtocolError, /unexpected text/);
  });
});
