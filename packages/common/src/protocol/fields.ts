// Shared rules for `|`-separated wire fields. Pure: no I/O.
import { ProtocolError } from '../errors';

/** Field separator of the agent protocol. */
export const FIELD_SEP = '|';

/** Splits like Perl's `split('\|', $line, -1)`: empty fields (also trailing ones) survive. */
export function splitFields(line: string): string[] {
  return line.split(FIELD_SEP);
}

/** A value placed in a field must not break the framing. */
export function assertField(value: string, what: string): string {
  if (/[|\r\n]/.test(value)) {
    throw new ProtocolError('PROTOCOL_INVALID', `${what} must not contain '|' or a line break: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Free text (reply messages) is flattened rather than refused: a reply must always go out. */
export function flattenText(text: string): string {
  return text.replace(/\r\n|[\r\n]/g, ' ');
}
