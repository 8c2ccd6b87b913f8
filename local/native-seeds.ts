/**
 * The native calls `npm start` seeds beside the Compatibility ones: what a team on SignalWire's current
 * platform has live (an AI agent call, SWML calls) and the queued calls of a runaway SWML campaign.
 */
import type { CallingCall } from '#commons/calling/types';
import type { SignalWireEmulator } from './signalwire-emulator.ts';

export interface NativeSeeds {
  aiAgent: CallingCall;
  swml: CallingCall[];
  campaign: CallingCall[];
}

/** Seeds the native calls of the local stack; `campaignSize` queued calls share one SWML script and caller. */
export const seedNativeCalls = (
  emulator: SignalWireEmulator,
  projectId: string,
  campaignSize = 3,
): NativeSeeds => {
  const aiAgent = emulator.native.seed(projectId, {
    status: 'answered',
    ageSeconds: 5_400,
    type: 'relay_sip_call',
    direction: 'inbound',
    url: 'https://example.com/ai-agent.swml',
  });
  const swml = [
    emulator.native.seed(projectId, {
      status: 'answered',
      ageSeconds: 120,
      url: 'https://example.com/ivr.swml',
    }),
    emulator.native.seed(projectId, {
      status: 'ringing',
      ageSeconds: 10,
      url: 'https://example.com/ivr.swml',
    }),
  ];
  const campaign = Array.from({ length: campaignSize }, () =>
    emulator.native.seed(projectId, {
      status: 'queued',
      from: '+14155550199',
      url: 'https://example.com/campaign.swml',
    }),
  );
  return { aiAgent, swml, campaign };
};
