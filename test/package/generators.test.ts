// The package's man page and bash completion generators (scripts/package/), on help texts in
// the layout the binaries print. No root, no dpkg.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { helpCommands, helpOptions, parseHelp } from '../../scripts/package/help';
import { renderManPage, roffTerm, roffText } from '../../scripts/package/manpage';
import { renderCompletion } from '../../scripts/package/completion';

const HELP = `Usage: tool [-c FILE] <command> [options]

Does things to a cluster: one line that commander
wrapped.

Options:
  -c, --config <file>    configuration file (default: MMM search order /etc,
                         /etc/mmm, /etc/mysql-mmm)
  --log-level <level>    log level: error, warn, info, debug (default: "info")
  --dry-run              print, do nothing
  -h, --help             display help for command

Commands (the first word):
  ping                   ping it
  set_online <host>      set host <host> online

.A paragraph after the commands that starts with a dot.

Exit status:
  0  fine
  1  not fine, and a long line
     that goes on
`;

describe('package generators: --help → man page, bash completion', () => {
  it('parses usage, description, option lists and free sections', () => {
    const h = parseHelp(HELP);
    expect(h.usage).to.equal('tool [-c FILE] <command> [options]');
    expect(h.description).to.deep.equal(['Does things to a cluster: one line that commander wrapped.']);
    expect(h.sections.map((s) => s.heading)).to.deep.equal(['Options', 'Commands (the first word)', 'Exit status']);
    expect(helpOptions(h)).to.deep.equal([
      { flags: ['-c', '--config'], value: 'file', description: 'configuration file (default: MMM search order /etc, /etc/mmm, /etc/mysql-mmm)' },
      { flags: ['--log-level'], value: 'level', description: 'log level: error, warn, info, debug (default: "info")' },
      { flags: ['--dry-run'], value: undefined, description: 'print, do nothing' },
      { flags: ['-h', '--help'], value: undefined, description: 'display help for command' },
    ]);
    expect(helpCommands(h)).to.deep.equal(['ping', 'set_online']);
    expect(h.sections[1].after).to.deep.equal(['.A paragraph after the commands that starts with a dot.']);
  });

  it('escapes roff: backslash, minus, a leading dot', () => {
    expect(roffText('a\\b --x')).to.equal('a\\eb \\-\\-x');
    expect(roffText('.TH no')).to.equal('\\&.TH no');
    expect(roffTerm('-c, --config <file>')).to.equal('\\fB\\-c\\fR, \\fB\\-\\-config\\fR \\fI<file>\\fR');
  });

  it('renders a page groff reads without warnings, with every option and the fixed sections', function () {
    const roff = renderManPage({
      name: 'tool',
      section: 8,
      summary: 'does things',
      version: '9.9.9',
      date: '2020-01-01',
      help: parseHelp(HELP),
      description: ['More words.'],
      fixed: [{ name: 'FILES', entries: [{ term: '/etc/tool.conf', description: 'the config' }] }, { name: 'SEE ALSO', text: ['other(1)'] }],
    });
    expect(roff).to.match(/^\.TH TOOL 8 "2020-01-01" "mmm 9\.9\.9"/m);
    for (const s of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', 'EXIT STATUS', 'FILES', 'SEE ALSO']) expect(roff).to.include(`.SH ${s}\n`);
    expect(roff).to.include('\\&.A paragraph');
    const groff = spawnSync('groff', ['-man', '-ww', '-Tascii', '-P-cbou'], { input: roff, encoding: 'utf8' });
    if (groff.error) {
      console.log('      (groff not installed: rendering not checked)');
      return;
    }
    expect(groff.stderr).to.equal('');
    for (const o of ['--config', '--log-level', '--dry-run', 'set_online', 'More words.', '/etc/tool.conf']) expect(groff.stdout).to.include(o);
  });

  it('completes commands, options and option values', () => {
    const script = renderCompletion({ name: 'tool', help: parseHelp(HELP) });
    const complete = (words: string[]): string[] => {
      const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(tool ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _tool; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      return r.stdout.split('\n').filter(Boolean);
    };
    expect(complete([''])).to.deep.equal(['ping', 'set_online']);
    expect(complete(['--l'])).to.deep.equal(['--log-level']);
    expect(complete(['--log-level', 'd'])).to.deep.equal(['debug']);
    expect(complete(['-c', 'x', 'ping', ''])).to.deep.equal([]);
  });

  it('completes only the values the option\'s own help lists', () => {
    const subset = renderCompletion({ name: 'tool', help: parseHelp(HELP.replace('error, warn, info, debug', 'error, warn, info')) });
    expect(subset).to.include('compgen -W "error warn info"');
    expect(subset).to.not.include('compgen -W "error warn info debug"');
  });
});
