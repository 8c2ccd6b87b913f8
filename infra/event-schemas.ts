import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { EVENT_SCHEMA_FILES } from './event-contract.ts';

/** Props of {@link CallControlEventSchemas}. */
export interface CallControlEventSchemasProps {
  /** Directory holding the `*.schema.json` files named in `EVENT_SCHEMA_FILES`. */
  readonly directory: string;
  /** `source` of the events: each schema is named `<source>@<DetailType>`. */
  readonly source: string;
}

/**
 * Publishes the JSON Schemas of the inbound and outbound events in an EventBridge schema registry, so
 * producers and consumers can discover the contract (and download code bindings) where the events live.
 * The files are read at synth time; a missing or malformed file fails the synth rather than the deploy.
 */
export class CallControlEventSchemas extends Construct {
  readonly registry: CfnRegistry;
  readonly schemas: readonly CfnSchema[];

  constructor(scope: Construct, id: string, props: CallControlEventSchemasProps) {
    super(scope, id);
    this.registry = new CfnRegistry(this, 'registry', {
      description: 'Events read and published by the SignalWire call-control functions',
    });
    this.schemas = EVENT_SCHEMA_FILES.map(
      ({ detailType, fileName, schemaType }) =>
        new CfnSchema(this, fileName.replace('.schema.json', ''), {
          registryName: this.registry.attrRegistryName,
          schemaName: `${props.source}@${schemaType}`,
          type: 'JSONSchemaDraft4',
          description: `detail of "${detailType}" events`,
          content: readSchema(join(props.directory, fileName)),
        }),
    );
  }
}

/** The file's JSON, re-serialised compactly so formatting changes do not publish a new schema version. */
const readSchema = (path: string): string => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`event schema ${path} cannot be read`, { cause: error });
  }
  try {
    return JSON.stringify(JSON.parse(text));
  } catch (error) {
    throw new Error(`event schema ${path} is not valid JSON`, { cause: error });
  }
};
