/**
 * The right-hand side of an ODE dy/dt = f(t, y). The integrator knows nothing else about the problem: a
 * gradient flow, its path integrals carried as extra state, or a linear test equation are all just this.
 *
 * @module
 */

/** f(t, y), written into `dydt` (same length as y); must not keep references to y or dydt. */
export type VectorField = (t: number, y: Float64Array, dydt: Float64Array) => void;
