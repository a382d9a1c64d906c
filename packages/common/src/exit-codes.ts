// One exit-code table for every mmm tool (docs/reference.md#exit-codes). Scripts, systemd units
// (RestartPreventExitStatus) and monit rules rely on these numbers: never reuse one for another meaning.

export const EXIT = {
  /** Success. */
  OK: 0,
  /** The command ran and failed or found problems: an ERROR reply, --check-config problems, a daemon that refused to start or failed, `mmm_tls verify` failures. */
  ERROR_REPLY: 1,
  /** Usage: unknown option or command, bad argument value; for mmm_control and mmm_tls also settings they cannot use. Nothing was done. */
  USAGE: 2,
  /** mmm_control: the monitor cannot be reached (or was lost while following a move). */
  UNREACHABLE: 3,
  /** A daemon: another live process holds its pid file (`pid_path`). */
  ALREADY_RUNNING: 4,
  /** `mmm_tls verify`: warnings only (e.g. a certificate expiring soon), no failure. */
  WARNINGS: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
