import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { UNVERIFIED_ASSUMPTIONS } from '#commons/calling/assumptions';
import {
  callingCallSchema,
  endCommandSchema,
  transferCommandSchema,
  updateCommandSchema,
  voiceLogSchema,
} from '#commons/calling/schemas';
import type { CallingCall, VoiceLog } from '#commons/calling/types';
import {
  nativeCallView,
  nativeStatusesFor,
  nativeStatusOf,
  STATUS_OF_NATIVE,
} from '#commons/calling/vocabulary';
import { CALL_STATUSES } from '#commons/signalwire/types';
import { callRow } from '../../cli/core/calls-view.ts';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

/** One entry per field: the compiler rejects these literals when a field is added to or removed from a type. */
const CALL_KEYS: Record<keyof CallingCall, true> = {
  id: true,
  from: true,
  to: true,
  direction: true,
  source: true,
  url: true,
  charge: true,
  created_at: true,
  charge_details: true,
  status: true,
  duration: true,
  duration_ms: true,
  billing_ms: true,
  type: true,
  parent_id: true,
};
const LOG_KEYS: Record<keyof VoiceLog, true> = { ...CALL_KEYS };

describe('the native Calling API schemas', () => {
  it('require exactly the fields of the CallingCall and VoiceLog types', () => {
    expect([...callingCallSchema.required].sort()).toEqual(Object.keys(CALL_KEYS).sort());
    expect(Object.keys(callingCallSchema.properties).sort()).toEqual(Object.keys(CALL_KEYS).sort());
    expect([...voiceLogSchema.required].sort()).toEqual(Object.keys(LOG_KEYS).sort());
  });

  it('accept the OpenAPI examples of calling.end, update and calling.transfer', () => {
    expect(
      ajv.validate(endCommandSchema, { command: 'calling.end', id: ID, params: { reason: 'hangup' } }),
    ).toBe(true);
    const update = {
      command: 'update',
      params: { id: ID, url: 'https://example.com/swml', fallback_url: 'https://example.com/fallback' },
    };
    expect(ajv.validate(updateCommandSchema, update)).toBe(true);
    const transfer = { command: 'calling.transfer', id: ID, params: { dest: 'sip:destination@example.com' } };
    expect(ajv.validate(transferCommandSchema, transfer)).toBe(true);
  });

  it('refuse an update without url or swml, id outside params, and Compatibility fields', () => {
    expect(
      ajv.validate(updateCommandSchema, { command: 'update', params: { id: ID, status: 'completed' } }),
    ).toBe(false);
    expect(
      ajv.validate(updateCommandSchema, {
        command: 'update',
        id: ID,
        params: { url: 'https://example.com' },
      }),
    ).toBe(false);
    const withMethod = { command: 'update', params: { id: ID, url: 'https://example.com', Method: 'GET' } };
    expect(ajv.validate(updateCommandSchema, withMethod)).toBe(false);
    expect(
      ajv.validate(endCommandSchema, { command: 'calling.end', id: ID, params: { reason: 'bye' } }),
    ).toBe(false);
  });
});

describe('the one vocabulary over both kinds of call', () => {
  it('reads answered as in-progress and initiated or created as queued', () => {
    expect(STATUS_OF_NATIVE.answered).toBe('in-progress');
    expect(STATUS_OF_NATIVE.initiated).toBe('queued');
    expect(STATUS_OF_NATIVE.created).toBe('queued');
    expect(STATUS_OF_NATIVE.ended).toBe('completed');
  });

  it.each([
    ['null (as a command may answer)', null],
    ['a word not known here', 'parked'],
    ['a name inherited by every object', 'constructor'],
  ])(
    'reads a status given as %s as unknown: null, never queued nor ended, with no price',
    (_name, status) => {
      const call = {
        id: ID,
        from: '+14155550100',
        to: '+12125550100',
        direction: 'outbound-api',
        created_at: '2026-12-06T10:00:00Z',
        charge: 0.004,
        duration: null,
        parent_id: null,
        status,
      } as unknown as CallingCall;
      expect(nativeStatusOf(status)).toBeNull();
      expect(nativeCallView(call, ID)).toMatchObject({ sid: ID, status: null, price: null });
      expect(callRow({ ...nativeCallView(call, ID), api: 'calling' }, Date.now())).toContain('unknown');
    },
  );

  it('maps every native status to a Compatibility status, and every Compatibility status back to itself among its natives', () => {
    for (const status of CALL_STATUSES) expect(nativeStatusesFor(status)).toContain(status);
    expect(nativeStatusesFor('in-progress').sort()).toEqual(['answered', 'ending', 'in-progress', 'joined']);
  });
});

describe('the unverified assumptions', () => {
  it('each say what is assumed and how to check it, under a unique name', () => {
    const names = UNVERIFIED_ASSUMPTIONS.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of UNVERIFIED_ASSUMPTIONS) {
      expect(entry.assumed.length).toBeGreaterThan(20);
      expect(entry.check.length).toBeGreaterThan(10);
    }
  });
});
