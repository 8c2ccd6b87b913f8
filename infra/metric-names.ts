/**
 * The names the functions emit and the alarms watch live with the functions; the infrastructure reads them
 * from there, so an alarm can never watch a name nothing emits.
 */
export * from '../functions/commons/platform/metric-names.ts';
