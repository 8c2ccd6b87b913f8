/**
 * Writes `schemas/events/*.schema.json` from the event contracts' source,
 * one module per contract in `functions/commons/events/contracts/`. Run after changing a schema there: `npm run schemas`.
 * `test/unit/event-contracts.test.ts` fails while the committed files differ from this output.
 */
import { writeFileSync } from 'node:fs';
import { EVENT_CONTRACTS, schemaFileText } from '../functions/commons/events/contracts/index.ts';

const directory = new URL('../schemas/events/', import.meta.url);
for (const { fileName, detailJsonSchema } of EVENT_CONTRACTS) {
  writeFileSync(new URL(fileName, directory), schemaFileText(detailJsonSchema));
  console.log(`schemas/events/${fileName}`);
}
