import type { ServerResponse } from 'node:http';
import type { AwsAccount } from './protocol.ts';

/** A stack resource, as `DescribeStackResources` and `ListStackResources` report it. */
export interface LocalStackResource {
  logicalId: string;
  type: string;
  physicalId: string;
}

/** Resources per CloudFormation page: DescribeStackResources returns only these, ListStackResources pages. */
const STACK_RESOURCES_PAGE = 100;

/** CloudFormation's stack outputs and resources, over the AWS Query protocol. */
export class LocalCloudFormation {
  readonly #account: AwsAccount;
  readonly #stacks = new Map<string, Record<string, { value: string; description?: string }>>();
  readonly #stackResources = new Map<string, LocalStackResource[]>();

  constructor(account: AwsAccount) {
    this.#account = account;
  }

  putStack(
    name: string,
    outputs: Record<string, string | { value: string; description?: string }>,
    resources: LocalStackResource[] = [],
  ): void {
    this.#stacks.set(
      name,
      Object.fromEntries(
        Object.entries(outputs).map(([key, output]) => [
          key,
          typeof output === 'string' ? { value: output } : output,
        ]),
      ),
    );
    this.#stackResources.set(name, resources);
  }

  /** `DescribeStacks`, `DescribeStackResources` and `ListStackResources` by name, answered in the Query protocol's XML. */
  handle(form: URLSearchParams, res: ServerResponse, requestId: string): void {
    const xml = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
    };
    const escapeXml = (text: string) =>
      text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const name = form.get('StackName') ?? '';
    const outputs = this.#stacks.get(name);
    const resourceMember = (resource: { logicalId: string; type: string; physicalId: string }) =>
      `<member><StackName>${escapeXml(name)}</StackName><LogicalResourceId>${escapeXml(resource.logicalId)}</LogicalResourceId><PhysicalResourceId>${escapeXml(resource.physicalId)}</PhysicalResourceId><ResourceType>${escapeXml(resource.type)}</ResourceType><Timestamp>2026-11-29T00:00:00.000Z</Timestamp><LastUpdatedTimestamp>2026-11-29T00:00:00.000Z</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>`;
    const resources = this.#stackResources.get(name) ?? [];
    if (form.get('Action') === 'DescribeStackResources' && outputs) {
      // As AWS: the first 100 resources only (ListStackResources pages through all of them).
      const members = resources.slice(0, STACK_RESOURCES_PAGE).map(resourceMember).join('');
      xml(
        200,
        `<DescribeStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStackResourcesResult><StackResources>${members}</StackResources></DescribeStackResourcesResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStackResourcesResponse>`,
      );
      return;
    }
    if (form.get('Action') === 'ListStackResources' && outputs) {
      const start = Number(form.get('NextToken') ?? 0) || 0;
      const members = resources
        .slice(start, start + STACK_RESOURCES_PAGE)
        .map(resourceMember)
        .join('');
      const next =
        start + STACK_RESOURCES_PAGE < resources.length ? String(start + STACK_RESOURCES_PAGE) : '';
      xml(
        200,
        `<ListStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStackResourcesResult><StackResourceSummaries>${members}</StackResourceSummaries>${next ? `<NextToken>${next}</NextToken>` : ''}</ListStackResourcesResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></ListStackResourcesResponse>`,
      );
      return;
    }
    if (form.get('Action') !== 'DescribeStacks' || !outputs) {
      const message = ['DescribeStacks', 'DescribeStackResources', 'ListStackResources'].includes(
        form.get('Action') ?? '',
      )
        ? `Stack with id ${name} does not exist`
        : `LocalAws does not implement CloudFormation ${form.get('Action')}`;
      xml(
        400,
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
      return;
    }
    const members = Object.entries(outputs)
      .map(
        ([key, { value, description }]) =>
          `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue>${description === undefined ? '' : `<Description>${escapeXml(description)}</Description>`}</member>`,
      )
      .join('');
    const stackId = `arn:aws:cloudformation:${this.#account.region}:${this.#account.accountId}:stack/${escapeXml(name)}/${requestId}`;
    xml(
      200,
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${escapeXml(name)}</StackName><StackId>${stackId}</StackId><CreationTime>2026-11-29T00:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  }
}
