/** The mechanism catalogue: one list, kernel first, then tools (docs/mechanisms.md is generated from it). */
import type { Mechanism } from './types';
import { kernelMechanisms } from './kernel';
import { toolMechanisms } from './tools';

export type { Mechanism } from './types';

export const MECHANISMS: readonly Mechanism[] = [...kernelMechanisms, ...toolMechanisms];
