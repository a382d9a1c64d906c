import type { CommandHandler } from './context';

/** Our addition: one JSON document (StatusDocument, schema in common). */
export const statusJson: CommandHandler<'status_json'> = (m) => JSON.stringify(m.statusDocument());
