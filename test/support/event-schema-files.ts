import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * A validator for one of the event schema files integrators read (`schemas/events/`). The files are draft-04;
 * no draft-04 Ajv is installed, so they are compiled with draft-07 Ajv, which reads the keywords they are
 * limited to the same way (test/unit/event-contracts.test.ts enforces that limit).
 */
export const eventSchemaFileValidator = (file: string): ValidateFunction => {
  const ajv = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  const { $schema: _draft04, ...schema } = JSON.parse(
    readFileSync(new URL(`../../schemas/events/${file}`, import.meta.url), 'utf8'),
  );
  return ajv.compile(schema);
};
