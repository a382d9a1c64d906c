// mmm_tls's own refusals (existing CA, bad arguments): main prints the message and exits 1.
import { MmmError } from '@mmm/common';

export class TlsToolError extends MmmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options);
  }
}
