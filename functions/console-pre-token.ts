import '#commons/platform/bundle-prelude';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { CONSOLE_SCOPES, scopesOfGroups } from '#commons/http/routes';

/**
 * The console user pool's pre-token-generation trigger (event version 2): an access token keeps only the console
 * scopes the user's groups grant (`viewer` read; `operator` also write; `admin` also admin). The app client may
 * ask for every console scope; this is where a role becomes the scopes the HTTP API's JWT authorizer checks.
 * A user in no console group gets none of them.
 */
export const suppressedScopes = (groups: readonly string[]): string[] => {
  const granted = new Set(scopesOfGroups(groups));
  return Object.values(CONSOLE_SCOPES).filter((scope) => !granted.has(scope));
};

export const handler = async (
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> => {
  const groups = event.request.groupConfiguration?.groupsToOverride ?? [];
  event.response = {
    claimsAndScopeOverrideDetails: {
      ...event.response?.claimsAndScopeOverrideDetails,
      accessTokenGeneration: {
        ...event.response?.claimsAndScopeOverrideDetails?.accessTokenGeneration,
        scopesToSuppress: suppressedScopes(groups),
      },
    },
  };
  return event;
};
