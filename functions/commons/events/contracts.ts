/**
 * The EventBridge contract of the call-control functions, gathered for their importers. Each contract lives in
 * its own module under `./contracts/` (detail-type, TypeScript type, runtime schema, published schema and its
 * names together); this file only re-exports them.
 */
export * from './contracts/call-status-changed.ts';
export * from './contracts/call-update-failed.ts';
export * from './contracts/call-update-requested.ts';
export * from './contracts/call-updated.ts';
export * from './contracts/event-contract.ts';
export { EVENT_CONTRACTS, schemaFileText } from './contracts/index.ts';
