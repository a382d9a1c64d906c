// In-memory NftPort for unit tests: records every script; failures can be injected.
import { NftError, type NftPort } from '../reject/nft';

export class FakeNft implements NftPort {
  readonly scripts: string[] = [];
  /** Set: every apply rejects with this reason. */
  fail: NftError['reason'] | undefined;
  /** Set: apply waits for this promise before it answers (a slow or hung nft). */
  hold: Promise<void> | undefined;

  async apply(script: string): Promise<void> {
    this.scripts.push(script);
    if (this.hold) await this.hold;
    if (this.fail === 'missing') throw new NftError('missing', 'nft is not installed (Debian package nftables)');
    if (this.fail === 'failed') throw new NftError('failed', 'nft -f -: exit 1: Error: Could not process rule: Operation not supported (injected)');
  }

  /** The VIPs of the last script ([] when it removed the table). */
  lastVips(): string[] {
    const last = this.scripts.at(-1) ?? '';
    return [...last.matchAll(/daddr \{ ([^}]*) \}/g)].flatMap((m) => m[1].split(', ').map((s) => s.trim()));
  }
}
