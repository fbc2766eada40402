/**
 * The segment-averaged cross kernel of the exact discrete path kernel: for quadrature nodes w_q on a step's
 * segment with weights c_q, Kbar = sum_q c_q J(X1; w_q) J(X2; w2)^T, from each node's structured factors and
 * the batch's at the step's start.
 *
 * Per dense site it takes whichever route costs fewer multiply-adds:
 * - structured, node by node: (D1_q D2^T) o (alpha^2 H1_q H2^T + beta^2), about n1 n2 (in + O^2 out)
 *   multiply-adds per node;
 * - the site's Jacobian block averaged over the nodes first: row (x, k) of the block is alpha delta_k(x) (x)
 *   h(x) (out x in values), and the node sum is linear, so G1_k = sum_q c_q alpha delta_qk (x) h_q is built
 *   once and Kbar's share is G1_k G2_k'^T: about O out in (nodes n1 + n2 + O n1 n2) multiply-adds.
 *   The bias part is linear in delta alone: (sum_q c_q delta_qk) delta2_k'^T beta^2.
 * An output layer (out = O) or a narrow input layer favours the second, a wide hidden layer the first. Gain
 * sites (normalisation) always take the structured route.
 *
 * @module
 * @claim disc.exact-path-kernel
 */
import { matmulTransB, matrix, type Matrix } from '../core/matrix.js';
import type { SiteFactor, SiteFactors } from './tangentKernel.js';

// K[(i, k), (j, kk)] += scale * P[i, j] for an n1 x n2 product P of output pair (k, kk).
function addPairInto(K: Float64Array, P: Float64Array, n1: number, n2: number, O: number, k: number, kk: number, scale: number): void {
  const stride = n2 * O;
  for (let i = 0; i < n1; i++) {
    const out = (i * O + k) * stride + kk;
    for (let j = 0; j < n2; j++) K[out + j * O]! += scale * P[i * n2 + j]!;
  }
}

// Site s of one node, structured: (D1_k D2_kk^T) o (alpha^2 H1 H2^T + beta^2), or D D^T + (D u)(D u)^T for a gain.
function addStructuredInto(K: Float64Array, a: SiteFactor, b: SiteFactor, n1: number, n2: number, O: number, weight: number): void {
  const H = a.kind === 'dense' ? matmulTransB(a.input, b.input).data : null;
  if (H) for (let i = 0; i < H.length; i++) H[i] = a.alpha2 * H[i]! + a.beta2;
  for (let k = 0; k < O; k++) {
    for (let kk = 0; kk < O; kk++) {
      const dd = matmulTransB(a.deltas[k]!, b.deltas[kk]!).data;
      if (H) for (let i = 0; i < dd.length; i++) dd[i]! *= H[i]!;
      else {
        const gain = matmulTransB(a.scaledDeltas![k]!, b.scaledDeltas![kk]!).data;
        for (let i = 0; i < dd.length; i++) dd[i]! += gain[i]!;
      }
      addPairInto(K, dd, n1, n2, O, k, kk, weight);
    }
  }
}

// Row x of the block: delta(x) (x) h(x), scaled, added into G (rows x (out in)).
function addOuterRowsInto(G: Matrix, delta: Matrix, h: Matrix, scale: number): void {
  const out = delta.cols;
  const inW = h.cols;
  for (let x = 0; x < delta.rows; x++) {
    for (let a = 0; a < out; a++) {
      const da = scale * delta.data[x * out + a]!;
      const g = x * out * inW + a * inW;
      for (let c = 0; c < inW; c++) G.data[g + c]! += da * h.data[x * inW + c]!;
    }
  }
}

/** sum_q weights[q] J(X1; w_q) J(X2; w2)^T from the factors at each node (F1s) and at w2 (F2); (n1 O) x (n2 O). */
export function segmentCrossKernel(F1s: readonly SiteFactors[], weights: readonly number[], F2: SiteFactors): Matrix {
  const first = F1s[0];
  if (!first || F1s.length !== weights.length) throw new RangeError(`segment kernel: ${F1s.length} nodes' factors for ${weights.length} weights`);
  const O = F2.outputs;
  const n1 = first.rows;
  const n2 = F2.rows;
  const K = matrix(n1 * O, n2 * O);
  F2.sites.forEach((b, s) => {
    const out = b.deltas[0]?.cols ?? 0;
    const inW = b.input.cols;
    // Multiply-adds of each route: building the averaged blocks and their product, against a structured
    // product per node.
    const nodes = F1s.length;
    const blockCost = O * out * inW * (nodes * n1 + n2 + O * n1 * n2);
    const structuredCost = nodes * n1 * n2 * (inW + O * O * out);
    const blockCheaper = b.kind === 'dense' && blockCost < structuredCost;
    if (!blockCheaper) {
      F1s.forEach((F1, q) => addStructuredInto(K.data, F1.sites[s]!, b, n1, n2, O, weights[q]!));
      return;
    }
    const alpha = Math.sqrt(b.alpha2);
    const G2s = b.deltas.map((delta) => {
      const G2 = matrix(n2, out * inW);
      addOuterRowsInto(G2, delta, b.input, alpha);
      return G2;
    });
    for (let k = 0; k < O; k++) {
      // G1_k = sum_q c_q alpha delta_qk (x) h_q and its bias counterpart sum_q c_q delta_qk.
      const G1 = matrix(n1, out * inW);
      const D1 = matrix(n1, out);
      F1s.forEach((F1, q) => {
        const a = F1.sites[s]!;
        addOuterRowsInto(G1, a.deltas[k]!, a.input, weights[q]! * alpha);
        for (let i = 0; i < D1.data.length; i++) D1.data[i]! += weights[q]! * a.deltas[k]!.data[i]!;
      });
      for (let kk = 0; kk < O; kk++) {
        addPairInto(K.data, matmulTransB(G1, G2s[kk]!).data, n1, n2, O, k, kk, 1);
        if (b.beta2 !== 0) addPairInto(K.data, matmulTransB(D1, b.deltas[kk]!).data, n1, n2, O, k, kk, b.beta2);
      }
    }
  });
  return K;
}
