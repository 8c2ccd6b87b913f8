/**
 * The two forms of one request's project: `accountSid` naming the secret's default project, or left out (which
 * means it). Both send SignalWire the same thing, so under one key they are one request, for the project the
 * record was written for.
 */
import type { CallUpdateRequestedEvent } from '../events/contracts.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import type { AppliedRequest } from './call-update-requests.ts';

/**
 * The request in the other form of its project, when it has one: `accountSid` the default project, or left out
 * (which means it). Asked only once the record under the key was written for another detail, so the secret is
 * read after the idempotency check, not before it (a duplicate replays without it); a secret that cannot be
 * read fails the delivery as it would fail applying it, not as a reused key.
 */
export const otherProjectForm = async (
  event: CallUpdateRequestedEvent,
  defaultProject: (() => Promise<string>) | undefined,
): Promise<CallUpdateRequestedEvent | undefined> => {
  if (defaultProject === undefined) return undefined;
  const { accountSid, ...detail } = event.detail;
  const project = canonicalSid(await defaultProject());
  if (accountSid === undefined) return { ...event, detail: { ...detail, accountSid: project } };
  return accountSid === project ? { ...event, detail } : undefined;
};

/**
 * Whether a record found under the request's other project form is this request's: not when it names a project
 * the record was not written for (the secret's default project changed since the record without `accountSid`).
 * Applied and refused records alike name the project the secret resolved; only a refusal decided before it was
 * read (a transfer naming `api: compatibility`) names none, and it holds whatever the project.
 */
export const recordedForProject = (event: CallUpdateRequestedEvent, recorded: AppliedRequest): boolean => {
  const named = event.detail.accountSid;
  const sid = recorded.accountSid;
  return named === undefined || typeof sid !== 'string' || canonicalSid(sid) === named;
};
