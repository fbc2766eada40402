/**
 * The tape: a record of the operations of one evaluation, in order. Reverse mode walks it backwards with each
 * primitive's VJP; forward mode walks it forwards with each primitive's JVP (linearising at the recorded
 * values). Nodes that do not depend on a variable carry no derivative work.
 *
 * @module
 */
import { matrix, sameShape, type Matrix } from '../core/matrix.js';
import type { Primitive } from './primitive.js';

/** A value on the tape. */
export interface Node {
  readonly id: number;
  readonly tape: Tape;
  readonly value: Matrix;
  /** Whether the value depends on a variable (so derivatives flow through it). */
  readonly differentiable: boolean;
  /** A label for error messages and for finding sites (for example "layer 2 pre-activation"). */
  label?: string;
}

interface OpRecord {
  readonly node: Node;
  readonly prim: Primitive<unknown, unknown>;
  readonly inputs: readonly Node[];
  readonly attrs: unknown;
  readonly aux: unknown;
}

/** Options of a reverse pass. */
export interface BackwardOptions {
  /**
   * Skip the cotangents of variables (leaves): only intermediate nodes get theirs. The structured kernel
   * needs the cotangents at layer outputs, not the weight gradients, and this saves their cost.
   */
  readonly skipVariables?: boolean;
}

/** Cotangents by node id, from a reverse pass. */
export type Adjoints = ReadonlyMap<number, Matrix>;

/** A tape of recorded operations. */
export class Tape {
  private readonly records: OpRecord[] = [];
  private readonly byId = new Map<number, OpRecord>();
  private nextId = 0;

  /** A value that derivatives are taken with respect to. */
  variable(value: Matrix, label?: string): Node {
    return this.leaf(value, true, label);
  }

  /** A value held fixed (inputs, targets, fixed feature maps). */
  constant(value: Matrix, label?: string): Node {
    return this.leaf(value, false, label);
  }

  /** Apply a primitive, recording it. */
  apply<A, X>(prim: Primitive<A, X>, inputs: readonly Node[], attrs: A): Node {
    for (const input of inputs) {
      if (input.tape !== this) throw new Error(`${prim.name}: an input belongs to another tape`);
    }
    const { value, aux } = prim.forward(
      inputs.map((n) => n.value),
      attrs,
    );
    const node: Node = { id: this.nextId++, tape: this, value, differentiable: inputs.some((n) => n.differentiable) };
    const record: OpRecord = { node, prim: prim as Primitive<unknown, unknown>, inputs, attrs, aux };
    this.records.push(record);
    this.byId.set(node.id, record);
    return node;
  }

  /**
   * Reverse mode: the cotangent of every node that `output` depends on, given the output's cotangent `seed`
   * (for a scalar output, the matrix [[1]] gives the gradient).
   */
  backward(output: Node, seed: Matrix, options: BackwardOptions = {}): Adjoints {
    if (!sameShape(seed, output.value)) {
      throw new RangeError(
        `backward: seed shape [${seed.rows}, ${seed.cols}] does not match output [${output.value.rows}, ${output.value.cols}]`,
      );
    }
    const adj = new Map<number, Matrix>();
    adj.set(output.id, seed);
    for (let r = this.records.length - 1; r >= 0; r--) {
      const rec = this.records[r]!;
      if (rec.node.id > output.id) continue;
      const g = adj.get(rec.node.id);
      if (g === undefined || !rec.node.differentiable) continue;
      const needs = rec.inputs.map((n) => n.differentiable && !(options.skipVariables && this.byId.get(n.id) === undefined));
      const grads = rec.prim.vjp(
        g,
        rec.inputs.map((n) => n.value),
        rec.node.value,
        rec.aux,
        rec.attrs,
        needs,
      );
      rec.inputs.forEach((input, k) => {
        const gk = grads[k];
        if (gk === null || gk === undefined || !needs[k]) return;
        const prev = adj.get(input.id);
        if (prev === undefined) adj.set(input.id, gk);
        else {
          const sum = matrix(prev.rows, prev.cols);
          for (let i = 0; i < sum.data.length; i++) sum.data[i] = prev.data[i]! + gk.data[i]!;
          adj.set(input.id, sum);
        }
      });
    }
    return adj;
  }

  /**
   * Forward mode: the tangent of `output` when each variable in `tangents` moves in the given direction
   * (variables not listed are held fixed).
   */
  jvp(tangents: ReadonlyMap<Node, Matrix>, output: Node): Matrix {
    const tan = new Map<number, Matrix>();
    for (const [node, t] of tangents) {
      if (!sameShape(t, node.value)) {
        throw new RangeError(`jvp: tangent shape [${t.rows}, ${t.cols}] does not match its variable [${node.value.rows}, ${node.value.cols}]`);
      }
      tan.set(node.id, t);
    }
    for (const rec of this.records) {
      if (rec.node.id > output.id) break;
      const inputTangents = rec.inputs.map((n) => tan.get(n.id) ?? null);
      if (inputTangents.every((t) => t === null)) continue;
      tan.set(
        rec.node.id,
        rec.prim.jvp(
          inputTangents,
          rec.inputs.map((n) => n.value),
          rec.node.value,
          rec.aux,
          rec.attrs,
        ),
      );
    }
    return tan.get(output.id) ?? matrix(output.value.rows, output.value.cols);
  }

  /** The values of the first input of every recorded application of the primitive named `name`, in order. */
  inputsOf(name: string): Matrix[] {
    return this.records.filter((r) => r.prim.name === name).map((r) => r.inputs[0]!.value);
  }

  /** Number of recorded operations. */
  get length(): number {
    return this.records.length;
  }

  private leaf(value: Matrix, differentiable: boolean, label?: string): Node {
    const node: Node = { id: this.nextId++, tape: this, value, differentiable };
    if (label !== undefined) node.label = label;
    return node;
  }
}
