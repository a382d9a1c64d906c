// The reject path's only I/O: one `nft -f -` per rule-set change (one transaction each).
import { MmmError, errorMessage } from '@mmm/common';
import { ExecError, type InputRunner, execInputRunner } from '../system/exec';

export interface NftPort {
  /** Runs an nft script as one transaction; rejects with NftError. */
  apply(script: string): Promise<void>;
}

/** `missing`: nft is not installed; `failed`: it ran and refused (or hung). */
export class NftError extends MmmError {
  constructor(
    readonly reason: 'missing' | 'failed',
    message: string,
  ) {
    super('SYSTEM', message);
  }
}

export interface NftOptions {
  run?: InputRunner;
  /** Default: `nft` from PATH. */
  bin?: string;
  timeoutMs?: number; // 2000
}

export class Nft implements NftPort {
  private readonly run: InputRunner;
  private readonly bin: string;
  private readonly timeoutMs: number;

  constructor(o: NftOptions = {}) {
    this.run = o.run ?? execInputRunner;
    this.bin = o.bin ?? 'nft';
    this.timeoutMs = o.timeoutMs ?? 2000;
  }

  async apply(script: string): Promise<void> {
    try {
      await this.run(this.bin, ['-f', '-'], script, this.timeoutMs);
    } catch (e) {
      if (e instanceof ExecError && e.errno === 'ENOENT') throw new NftError('missing', `${this.bin} is not installed (Debian package nftables)`);
      throw new NftError('failed', errorMessage(e));
    }
  }
}
