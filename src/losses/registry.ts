/**
 * The losses by name, for specs and the command line.
 *
 * @module
 */
import { SpecError } from '../core/specError.js';
import { binaryLogistic } from './binaryLogistic.js';
import { huber } from './huber.js';
import type { Loss } from './loss.js';
import { negLogProb } from './negLogProb.js';
import { softmaxCrossEntropy } from './softmaxCrossEntropy.js';
import { squared } from './squared.js';

/** Options of the losses that take any; each applies to the loss named beside it. */
export interface LossOptions {
  /** Huber's threshold (huber only; default 1). */
  readonly delta?: number;
}

/** Every loss by name, as a factory of its options. */
export const LOSSES = {
  squared: () => squared,
  binaryLogistic: () => binaryLogistic,
  softmaxCrossEntropy: () => softmaxCrossEntropy,
  huber: (options: LossOptions) => huber(options.delta),
  negLogProb: () => negLogProb,
} as const satisfies Record<string, (options: LossOptions) => Loss>;

/** The name of a registered loss. */
export type LossName = keyof typeof LOSSES;

/** The registered names, in registry order. */
export const LOSS_NAMES = Object.keys(LOSSES) as readonly LossName[];

// Which loss takes which option; an option given to a loss that ignores it is a mistake worth reporting.
const OPTION_OWNERS: Readonly<Record<keyof LossOptions, LossName>> = { delta: 'huber' };

function isLossName(name: string): name is LossName {
  return Object.hasOwn(LOSSES, name);
}

/**
 * The loss registered under `name`, built with `options`. Throws {@link SpecError} for an unknown name
 * (listing the known ones) and for an option the loss does not take.
 *
 * @param name - one of {@link LOSS_NAMES}.
 * @param options - the loss's options (default none).
 */
export function lossByName(name: string, options: LossOptions = {}): Loss {
  if (!isLossName(name)) {
    throw new SpecError('loss.name', `unknown loss "${name}"; known losses: ${LOSS_NAMES.join(', ')}`);
  }
  for (const key of Object.keys(options)) {
    const owner = (OPTION_OWNERS as Record<string, LossName | undefined>)[key];
    if (owner === undefined) throw new SpecError(`loss.${key}`, `unknown option; known options: ${Object.keys(OPTION_OWNERS).join(', ')}`);
    if (owner !== name) throw new SpecError(`loss.${key}`, `only the ${owner} loss takes this option, not ${name}`);
  }
  return LOSSES[name](options);
}
