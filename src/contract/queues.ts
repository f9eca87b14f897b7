/** A job's priority names its queue: one SQS queue (and one uploads/ prefix) per priority, in this order. */
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type PriorityName = (typeof PRIORITIES)[number];
