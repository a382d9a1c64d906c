// The fixed parts of the man pages: what `--help` does not say (files, signals, where the
// examples are, other pages). Everything else in a page comes from the binary's `--help`.
import type { FixedSection } from './manpage';

export interface PageText {
  section: 1 | 8;
  summary: string;
  description: string[];
  fixed: FixedSection[];
}

const searchOrder =
  'Without -c, the first of /etc, /etc/mmm and /etc/mysql-mmm that holds the file is used; @C as the first argument selects mmm_agent_C.conf / mmm_mon_C.conf. The example configurations in /etc/mmm/examples/ are never found this way.';

const checkConfig =
  '--check-config validates the syntax, the required keys and the files the configuration names (they must exist; configuration files and private keys must not be readable or writable by other users), prints every problem as FILE:LINE: message (hint) and exits 1, or prints OK and exits 0.';

const ownership =
  'Ownership: the agent runs as root and its files are root:root 0600; the monitor runs as the mmm system user and its files are root:mmm 0640.';

const seeAlsoAll = (self: string): FixedSection => ({
  name: 'SEE ALSO',
  text: [
    [
      'mmmd_agent(8)',
      'mmmd_mon(8)',
      'mmm_control(1)',
      'mmm_tls(1)',
    ]
      .filter((p) => !p.startsWith(`${self}(`))
      .join(', ') +
      ', /usr/share/doc/mmm/install.md, /usr/share/doc/mmm/config.md, /usr/share/doc/mmm/tls.md',
  ],
});

const examples = {
  name: 'EXAMPLES',
  text: [
    'Example configurations for two masters and a replica, in both MMM syntaxes, are in /etc/mmm/examples/2.x/ and /etc/mmm/examples/1.x/ (and /usr/share/doc/mmm/examples/). Copy them to /etc/mmm/ and edit them there.',
  ],
};

export const PAGES: Record<'mmmd_agent' | 'mmmd_mon' | 'mmm_control' | 'mmm_tls', PageText> = {
  mmmd_agent: {
    section: 8,
    summary: 'mmm agent: applies the monitor\'s state on a MySQL/MariaDB node',
    description: [
      'It runs as root because it adds and removes the role virtual IPs. The agent port is 9989 unless agent_port says otherwise; only a certificate with the monitor role may change state. A writer that hears no authorized monitor for writer_lease seconds, and cannot reach its peer, makes its MySQL read-only and drops the writer IP.',
      searchOrder,
      checkConfig,
      'It runs in the foreground and logs to standard error unless --log-file is given. SIGTERM and SIGINT stop it cleanly; SIGHUP re-reads the certificate, key, CA and CRL (invalid material is refused and the old kept).',
    ],
    fixed: [
      {
        name: 'FILES',
        entries: [
          { term: '/etc/mmm/mmm_agent.conf', description: 'this node\'s configuration; includes mmm_common.conf. root:root 0600.' },
          { term: '/etc/mmm/ssl/', description: 'the CA certificate and this node\'s certificate and key (cert_file, key_file, ca_file); the key root:root 0600.' },
          { term: '/lib/systemd/system/mmm-agent.service', description: 'the systemd unit: systemctl enable --now mmm-agent.' },
          { term: '/etc/mmm/examples/', description: 'example configurations (never read).' },
        ],
        text: [ownership],
      },
      examples,
      seeAlsoAll('mmmd_agent'),
    ],
  },
  mmmd_mon: {
    section: 8,
    summary: 'mmm monitor: checks the nodes, decides roles and drives the agents',
    description: [
      'It runs on the monitor host as the mmm system user. The checks are ping, mysql, rep_threads and rep_backlog; the control port is 9988 unless <monitor> port says otherwise.',
      searchOrder,
      checkConfig,
      'It runs in the foreground and logs to standard error unless --log-file is given. SIGTERM and SIGINT stop it cleanly; SIGHUP re-reads the certificate, key, CA and CRL.',
    ],
    fixed: [
      {
        name: 'FILES',
        entries: [
          { term: '/etc/mmm/mmm_mon.conf', description: 'the monitor\'s configuration; includes mmm_common.conf. Both root:mmm 0640.' },
          { term: '/etc/mmm/ssl/', description: 'the CA certificate and the monitor\'s certificate and key; the key root:mmm 0640.' },
          { term: '/var/lib/mmm/', description: 'status_path (host states and roles kept across restarts) and its .audit.jsonl; owned by mmm.' },
          { term: '/var/log/mmm/', description: 'for --log-file; owned by mmm.' },
          { term: '/lib/systemd/system/mmm-monitor.service', description: 'the systemd unit: systemctl enable --now mmm-monitor.' },
          { term: '/etc/mmm/examples/', description: 'example configurations (never read).' },
        ],
        text: [ownership],
      },
      examples,
      seeAlsoAll('mmmd_mon'),
    ],
  },
  mmm_control: {
    section: 1,
    summary: 'operate an mmm monitor',
    description: [
      'It sends one command and prints the monitor\'s reply unchanged, as MMM 2.x did; lines it adds itself start with "# ". It runs anywhere the monitor\'s control port can be reached, with a certificate of the control role, the monitor\'s own certificate, or viewer for the read-only commands.',
      'Without -c it looks for mmm_control.conf in /etc, /etc/mmm and /etc/mysql-mmm, then for mmm_mon.conf in the same folders, so a dedicated client config wins and on the monitor host mmm_mon.conf alone works (see /etc/mmm/examples/2.x/mmm_control.conf).',
    ],
    fixed: [
      {
        name: 'FILES',
        entries: [
          { term: '/etc/mmm/mmm_mon.conf', description: 'read on the monitor host (root:mmm 0640: run as root or as a member of group mmm).' },
          { term: '/etc/mmm/examples/2.x/mmm_control.conf', description: 'the monitor address and the client\'s TLS material, for other hosts.' },
        ],
      },
      examples,
      seeAlsoAll('mmm_control'),
    ],
  },
  mmm_tls: {
    section: 1,
    summary: 'make and check mmm certificates',
    description: [
      'The role is written into each certificate as the SAN URI urn:mmm:role:<role>. mmm_tls needs no openssl command. Keep the CA key (ca.key) on an admin machine, never on the nodes.',
    ],
    fixed: [
      {
        name: 'FILES',
        entries: [
          { term: 'DIR/ca.crt, DIR/ca.key', description: 'the CA made by init-ca; ca.key is 0600 and signs certificates for the whole cluster.' },
          { term: 'OUT/NAME.crt, OUT/NAME.key', description: 'a certificate and its key (0600) made by issue. Copy ca.crt and each host\'s own pair to /etc/mmm/ssl/ on that host: root:root 0600 for an agent, root:mmm 0640 for the monitor.' },
        ],
      },
      seeAlsoAll('mmm_tls'),
    ],
  },
};
