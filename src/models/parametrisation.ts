/**
 * Parametrisations: where the scale of a dense layer lives. A layer computes z = alpha h W^T + beta b with
 * stored weights drawn as W ~ N(0, weightStd^2), b ~ N(0, biasStd^2).
 *
 * - standard: alpha = 1, weightStd = gain / sqrt(fan_in); beta = 1, biasStd = sigma_b.
 * - ntk (Jacot et al. 2018): alpha = gain / sqrt(fan_in), weightStd = 1; beta = sigma_b, biasStd = 1.
 * - mup (Yang and Hu 2020, the abc-parametrisation for SGD with a width-independent learning rate):
 *   input layer alpha = gain sqrt(n / fan_in), weightStd = 1 / sqrt(n); hidden layers alpha = gain,
 *   weightStd = 1 / sqrt(n); output layer alpha = 1 / sqrt(n), weightStd = 1 / sqrt(n), where n is the
 *   layer's input width (its output width for the input layer). Hidden biases act as weights on a constant
 *   input: beta = sqrt(n_out), biasStd = sigma_b / sqrt(n_out); the output bias has beta = 1.
 *
 * @module
 */

/** The scale of one dense layer. */
export interface LayerScale {
  readonly alpha: number;
  readonly weightStd: number;
  readonly beta: number;
  readonly biasStd: number;
}

/** Where the layer sits in the network. */
export type LayerPosition = 'input' | 'hidden' | 'output' | 'only';

/** The scale of a dense layer fanIn -> fanOut under a parametrisation. */
export function layerScale(
  parametrisation: 'standard' | 'ntk' | 'mup',
  position: LayerPosition,
  fanIn: number,
  fanOut: number,
  gain: number,
  sigmaB: number,
): LayerScale {
  switch (parametrisation) {
    case 'standard':
      return { alpha: 1, weightStd: gain / Math.sqrt(fanIn), beta: 1, biasStd: sigmaB };
    case 'ntk':
      return { alpha: gain / Math.sqrt(fanIn), weightStd: 1, beta: sigmaB, biasStd: 1 };
    case 'mup': {
      if (position === 'input') {
        return { alpha: gain * Math.sqrt(fanOut / fanIn), weightStd: 1 / Math.sqrt(fanOut), beta: Math.sqrt(fanOut), biasStd: sigmaB / Math.sqrt(fanOut) };
      }
      if (position === 'hidden') {
        return { alpha: gain, weightStd: 1 / Math.sqrt(fanIn), beta: Math.sqrt(fanOut), biasStd: sigmaB / Math.sqrt(fanOut) };
      }
      if (position === 'output') {
        return { alpha: 1 / Math.sqrt(fanIn), weightStd: 1 / Math.sqrt(fanIn), beta: 1, biasStd: sigmaB };
      }
      // A network with no hidden layer is a linear model; muP then coincides with the standard scale.
      return { alpha: 1, weightStd: gain / Math.sqrt(fanIn), beta: 1, biasStd: sigmaB };
    }
  }
}
