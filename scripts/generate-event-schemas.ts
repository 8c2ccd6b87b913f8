/**
 * Writes `schemas/events/*.schema.json` from the event contracts' source,
 * `functions/commons/events/schemas/`. Run after changing a schema there: `npm run schemas`.
 * `test/unit/event-contracts.test.ts` fails while the committed files differ from this output.
 */
import { writeFileSync } from 'node:fs';
import { EVENT_DETAIL_JSON_SCHEMAS, schemaFileText } from '../functions/commons/events/schemas/index.ts';

const directory = new URL('../schemas/events/', import.meta.url);
for (const { fileName, schema } of EVENT_DETAIL_JSON_SCHEMAS) {
  writeFileSync(new URL(fileName, directory), schemaFileText(schema));
  console.log(`schemas/events/${fileName}`);
}
