/**
 * The two forms of one request's project: `accountSid` naming the secret's default project, or left out (which
 * means it). Both send SignalWire the same thing, so under one key they are one request, for the project the
 * record was written for.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import type { CallUpdateRequestedEvent } from '../events/contracts.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import type { AppliedRequest } from './call-update-requests.ts';
import type { CallUpdateIdempotency, RecordData } from './idempotency.ts';

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

/** Where a record written for another detail of the request may be its own, and how its outcome tells. */
export interface RecordForm {
  /** The detail the record may have been written for. */
  form: CallUpdateRequestedEvent;
  /** Whether the form may be applied (it sends SignalWire what the request does), or only its record read. */
  apply: boolean;
  /** Whether an outcome recorded for `form` is this request's. */
  owns(recorded: AppliedRequest): boolean;
}

/**
 * The form a record under the key may have been written for, when it was not the request's own: its other
 * project form, or, for a request naming a project that is not (or no longer) the default, the form without
 * `accountSid`. Such a record names the project the secret resolved when it was written, so it is this request's
 * only when that is the project named (a refusal that named none may have been decided under another default). It
 * is read, never applied: applied, the form without `accountSid` would go to today's default project.
 */
export const recordFormOf = async (
  event: CallUpdateRequestedEvent,
  defaultProject: (() => Promise<string>) | undefined,
): Promise<RecordForm | undefined> => {
  const other = await otherProjectForm(event, defaultProject);
  if (other !== undefined) {
    return { form: other, apply: true, owns: (recorded) => recordedForProject(event, recorded) };
  }
  const { accountSid, ...detail } = event.detail;
  if (accountSid === undefined) return undefined;
  return {
    form: { ...event, detail },
    apply: false,
    owns: ({ accountSid: sid }) => typeof sid === 'string' && canonicalSid(sid) === accountSid,
  };
};

/**
 * The outcome recorded for `form`, read and never applied, as a duplicate is answered from it (`replayed`): a
 * record still in progress hands the delivery back as Powertools does for the same request; none (expired since it
 * was found) or another request's record is `reused`, the refusal the request had already met.
 */
export const recordedOnly = async (
  store: CallUpdateIdempotency['persistenceStore'],
  form: CallUpdateRequestedEvent,
  reused: Error,
): Promise<AppliedRequest> => {
  let record: Awaited<ReturnType<typeof store.getRecord>>;
  try {
    record = await store.getRecord(form as unknown as RecordData);
  } catch (error) {
    if (error instanceof IdempotencyItemNotFoundError || error instanceof IdempotencyValidationError)
      throw reused;
    throw error;
  }
  if (record.getStatus() === IdempotencyRecordStatus.INPROGRESS) {
    throw new IdempotencyAlreadyInProgressError(
      'the request is being applied under its form without accountSid',
    );
  }
  if (record.getStatus() !== IdempotencyRecordStatus.COMPLETED) throw reused;
  return { ...(record.getResponse() as AppliedRequest), replayed: true };
};
