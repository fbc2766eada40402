/**
 * The claim registry: every claim of ../shared/reference/paper.md (and the engine checks the argument stands
 * on), with its statement in the paper's notation (KaTeX), its source, the claims it uses, the kind of
 * evidence that checks it, and its place in the paper's order. Data only: no engine code.
 *
 * @module
 */

/** What kind of statement a claim is: an exact identity, a limit (an order of convergence), a measured law, or a caveat. */
export type ClaimKind = 'identity' | 'limit' | 'law' | 'caveat';

/** Where a claim sits in the argument, in the paper's order. */
export const SECTIONS = [
  { id: 'engine', title: 'The engine the argument stands on' },
  { id: 'definitions', title: 'Definitions and setting' },
  { id: 'proof', title: 'The proof of Theorem 1, step by step (P1-P10)' },
  { id: 'theorem', title: 'Theorem 1 (P11)' },
  { id: 'remarks', title: 'Remarks 1-5' },
  { id: 'section2', title: 'Section 2: path kernels' },
  { id: 'discussion', title: 'Section 3: discussion' },
  { id: 'caveats', title: 'Caveats (where the paper overreaches)' },
  { id: 'beyond', title: 'Beyond the paper: finite steps, SGD and optimisers' },
  { id: 'regimes', title: 'Beyond the paper: lazy and feature-learning regimes' },
  { id: 'frameworks', title: 'Cross-checks against frameworks we did not write' },
] as const;

/** A section id. */
export type SectionId = (typeof SECTIONS)[number]['id'];

/** One claim. */
export interface Claim {
  readonly id: string;
  readonly title: string;
  /** The statement, in TeX for KaTeX (inline and display math delimited by $...$ and $$...$$). */
  readonly statement: string;
  /** Where it comes from: the paper item, or a later paper, or "derived". */
  readonly source: string;
  /** IDs of the claims it uses (edges of the dependency graph). */
  readonly uses: readonly string[];
  readonly kind: ClaimKind;
  readonly section: SectionId;
  /** When the claim's check belongs to an open issue not yet done: the issue, for example "#6". */
  readonly pending?: string;
}

/** Every registered claim, in the paper's order within each section. */
export const CLAIMS: readonly Claim[] = [
  // The engine.
  {
    id: 'engine.autodiff',
    title: 'The engine differentiates correctly',
    statement: 'Reverse mode (VJP) and forward mode (JVP) agree with Richardson-extrapolated finite differences and with symbolic derivatives: $\\langle G, J v\\rangle = \\langle J^\\top G, v\\rangle$ and $J v = \\lim_{h\\to 0} (f(w + h v) - f(w - h v))/2h$.',
    source: 'engine (every derivative below stands on it)',
    uses: [],
    kind: 'identity',
    section: 'engine',
  },
  {
    id: 'engine.integrator',
    title: 'The reference integrator has its stated orders',
    statement: 'Dormand-Prince 5(4) and DOP853 have global error $O(h^5)$ and $O(h^8)$, dense outputs of orders 4 and 7, and adaptive DOP853 meets $\\mathrm{rtol}$ down to $10^{-13}$.',
    source: 'engine (the flow of P2 is integrated by it)',
    uses: [],
    kind: 'limit',
    section: 'engine',
  },
  // Definitions.
  {
    id: 'def.tangent-kernel',
    title: 'Definition 1: the tangent kernel',
    statement: '$$K^g_{f,w}(x, x\') = \\nabla_w f_w(x) \\cdot \\nabla_w f_w(x\')$$ symmetric, positive semidefinite, of rank at most $\\min(N O, d)$ on $N$ inputs with $O$ outputs.',
    source: 'Definition 1',
    uses: ['engine.autodiff'],
    kind: 'identity',
    section: 'definitions',
  },
  {
    id: 'def.path-kernel',
    title: 'Definition 2: the path kernel',
    statement: '$$K^p_{f,c}(x, x\') = \\int_{c(t)} K^g_{f,w(t)}(x, x\')\\,dt$$ additive over concatenated segments; $K^p([0, h]) = h K^g(w_0) + O(h^2)$.',
    source: 'Definition 2',
    uses: ['def.tangent-kernel', 'engine.integrator'],
    kind: 'identity',
    section: 'definitions',
  },
  {
    id: 'def.kernel-machine',
    title: 'The kernel machine',
    statement: '$$y = g\\Big(\\sum_i a_i K(x, x_i) + b\\Big),$$ with $g$ the identity in Theorem 1.',
    source: 'section 1',
    uses: [],
    kind: 'identity',
    section: 'definitions',
  },
  // Proof steps.
  {
    id: 'step.gd-update',
    title: 'P1: the gradient-descent update',
    statement: '$$\\frac{w_{s+1} - w_s}{\\epsilon} = -\\nabla_w L(w_s)$$',
    source: 'proof of Theorem 1, P1',
    uses: [],
    kind: 'identity',
    section: 'proof',
  },
  {
    id: 'step.gradient-flow-limit',
    title: 'P2: the gradient-flow limit',
    statement: 'As $\\epsilon \\to 0$ the iterates follow $\\frac{dw}{dt} = -\\nabla_w L(w(t))$; at fixed $T = S\\epsilon$ the error is $O(\\epsilon)$, and its $O(\\epsilon)$ term is the one the modified flow of $L + \\tfrac{\\epsilon}{4}\\|\\nabla L\\|^2$ predicts (GD is $O(\\epsilon^2)$ from that flow).',
    source: 'proof of Theorem 1, P2',
    uses: ['step.gd-update', 'engine.integrator'],
    kind: 'limit',
    section: 'proof',
  },
  {
    id: 'step.chain-rule',
    title: 'P3: the chain rule along the flow',
    statement: '$$\\frac{dy}{dt} = \\sum_j \\frac{\\partial y}{\\partial w_j} \\frac{dw_j}{dt}$$',
    source: 'proof of Theorem 1, P3',
    uses: ['step.gradient-flow-limit'],
    kind: 'identity',
    section: 'proof',
  },
  {
    id: 'step.substitute-flow',
    title: 'P4: substituting the flow',
    statement: '$$\\frac{dy}{dt} = -\\sum_j \\frac{\\partial y}{\\partial w_j} \\frac{\\partial L}{\\partial w_j}$$',
    source: 'proof of Theorem 1, P4',
    uses: ['step.chain-rule'],
    kind: 'identity',
    section: 'proof',
  },
  {
    id: 'step.loss-additivity',
    title: 'P5: the loss is additive',
    statement: '$$\\frac{\\partial L}{\\partial w_j} = \\sum_i L\'_i \\frac{\\partial y_i}{\\partial w_j}$$ for $L = \\sum_i L(y^*_i, y_i)$, each term depending on $x_i$ only.',
    source: 'proof of Theorem 1, P5',
    uses: ['engine.autodiff'],
    kind: 'identity',
    section: 'proof',
  },
  {
    id: 'step.swap-sums',
    title: 'P6: exchanging the sums',
    statement: '$$\\sum_j \\frac{\\partial y}{\\partial w_j} \\sum_i L\'_i \\frac{\\partial y_i}{\\partial w_j} = \\sum_i L\'_i \\sum_j \\frac{\\partial y}{\\partial w_j}\\frac{\\partial y_i}{\\partial w_j}$$',
    source: 'proof of Theorem 1, P6',
    uses: ['step.substitute-flow', 'step.loss-additivity'],
    kind: 'identity',
    section: 'proof',
  },
  {
    id: 'step.tangent-kernel-form',
    title: 'P7: the tangent-kernel form',
    statement: '$$\\frac{dy}{dt} = -\\sum_i L\'(y^*_i, y_i)\\, K^g_{f,w(t)}(x, x_i)$$',
    source: 'proof of Theorem 1, P7',
    uses: ['step.swap-sums', 'def.tangent-kernel'],
    kind: 'identity',
    section: 'proof',
  },
  {
    id: 'step.integrate',
    title: 'P8: integrating over the path',
    statement: '$$y_T = y_0 - \\int_0^T \\sum_i L\'_i\\, K^g_{f,w(t)}(x, x_i)\\,dt$$',
    source: 'proof of Theorem 1, P8',
    uses: ['step.tangent-kernel-form', 'engine.integrator'],
    kind: 'identity',
    section: 'proof',
  },
  {
    id: 'step.reweight',
    title: 'P9-P10: multiplying and dividing by the path kernel',
    statement: '$$\\bar L\'_i = \\frac{\\int_0^T K^g(x, x_i) L\'_i\\,dt}{\\int_0^T K^g(x, x_i)\\,dt}, \\qquad a_i K^p(x, x_i) = -\\int_0^T K^g L\'_i\\,dt$$ wherever $K^p(x, x_i) \\neq 0$.',
    source: 'proof of Theorem 1, P9-P10',
    uses: ['step.integrate', 'def.path-kernel'],
    kind: 'identity',
    section: 'proof',
  },
  {
    id: 'thm.kernel-machine',
    title: 'Theorem 1: the model is a kernel machine',
    statement: '$$y = \\sum_i a_i K^p(x, x_i) + b, \\qquad a_i = -\\bar L\'_i, \\quad b = y_0,$$ exact along the gradient flow; a limit under gradient descent.',
    source: 'Theorem 1 (P11)',
    uses: ['step.reweight', 'def.kernel-machine', 'step.gradient-flow-limit'],
    kind: 'identity',
    section: 'theorem',
  },
  // Remarks.
  {
    id: 'rem.query-dependence',
    title: 'Remark 1: the weights depend on the query',
    statement: '$a_i$ and $b$ depend on $x$ ($b = f_{w_0}(x)$; for a nonlinear model $a_i(x) \\ne a_i(x\')$ in general); they do not when every $L\'_i(t)$ is constant in $t$ (then $a_i = -L\'_i$), or when $K^g(x, x_i)(t)$ and $K^g(x\', x_i)(t)$ are proportional in $t$ (a model linear in fixed features: $a_i = -\\tfrac{1}{T}\\int_0^T L\'_i\\,dt$).',
    source: 'Remark 1',
    uses: ['thm.kernel-machine'],
    kind: 'identity',
    section: 'remarks',
  },
  {
    id: 'rem.loss-weighted-kernel',
    title: 'Remark 2: the loss-weighted path kernel',
    statement: '$$K^{lp}(x, x_i) = \\int_0^T L\'_i K^g(x, x_i)\\,dt, \\qquad y = y_0 - \\sum_i K^{lp}(x, x_i);$$ $K^{lp}$ is neither symmetric nor positive semidefinite in general.',
    source: 'Remark 2',
    uses: ['step.integrate'],
    kind: 'identity',
    section: 'remarks',
  },
  {
    id: 'rem.loss-derivatives',
    title: "Remark 3: the losses' derivatives",
    statement: 'For $L = \\tfrac12 (y - y^*)^2$, $L\' = y - y^*$; for $L = -\\ln p$, $L\' = -1/p$.',
    source: 'Remark 3',
    uses: [],
    kind: 'identity',
    section: 'remarks',
  },
  {
    id: 'rem.regularization',
    title: 'Remark 4: a regulariser moves into the offset',
    statement: 'With $R(w)$, $b$ gains $-\\int_0^T \\nabla_w f(x) \\cdot \\nabla_w R(w(t))\\,dt$; for $R = \\tfrac{\\lambda}{2}\\|w\\|^2$ this is $-\\lambda \\int_0^T \\nabla_w f(x) \\cdot w(t)\\,dt$.',
    source: 'Remark 4',
    uses: ['thm.kernel-machine'],
    kind: 'identity',
    section: 'remarks',
  },
  {
    id: 'rem.sgd-indicators',
    title: 'Remark 5: SGD as indicators',
    statement: 'For SGD each term carries the indicator $I_i(t)$ of membership in the current batch; the kernel and the weights become stochastic.',
    source: 'Remark 5',
    uses: ['thm.kernel-machine', 'disc.exact-path-kernel'],
    kind: 'identity',
    section: 'remarks',
  },
  // Section 2.
  {
    id: 'sec.kernel-validity',
    title: 'The path kernel is a valid kernel',
    statement: '$K^p$ is positive semidefinite: an integral of positive semidefinite kernels.',
    source: 'section 2',
    uses: ['def.path-kernel'],
    kind: 'identity',
    section: 'section2',
  },
  {
    id: 'sec.vector-output',
    title: 'Vector outputs',
    statement: 'For vector outputs $K^g(x, x\') = J(x) J(x\')^\\top$ and the theorem holds with the vector of loss derivatives.',
    source: 'section 2',
    uses: ['thm.kernel-machine'],
    kind: 'identity',
    section: 'section2',
  },
  {
    id: 'sec.linear-models',
    title: 'Linear models',
    statement: 'For $f_w(x) = w \\cdot \\phi(x)$, $K^g = \\phi(x) \\cdot \\phi(x\')$ at every $w$, so $K^p = T\\,\\phi(x) \\cdot \\phi(x\')$; the perceptron is a kernel machine.',
    source: 'section 2',
    uses: ['def.tangent-kernel', 'def.path-kernel'],
    kind: 'identity',
    section: 'section2',
  },
  {
    id: 'sec.small-learning-rate',
    title: 'A small learning rate',
    statement: 'The result assumes $\\epsilon$ small enough that the path is close to a smooth curve ($\\epsilon = 10^{-3}$ given as typical).',
    source: 'section 2',
    uses: ['step.gradient-flow-limit', 'rate.first-order'],
    kind: 'law',
    section: 'section2',
  },
  // Discussion.
  {
    id: 'disc.sine-maxima',
    title: 'Far in input space, close in gradient space',
    statement: 'For $f = a \\sin(bx + c)$, $\\nabla_{(a,b,c)} f = (1, 0, 0)$ at every maximum, so all maxima are at tangent-kernel distance 0.',
    source: 'section 3',
    uses: ['def.tangent-kernel'],
    kind: 'identity',
    section: 'discussion',
  },
  {
    id: 'disc.boosting',
    title: 'Gradient descent is boosting',
    statement: '$$\\frac{dL}{dt} = -\\|\\nabla_w L\\|^2 \\le 0$$',
    source: 'section 3',
    uses: ['step.gradient-flow-limit'],
    kind: 'identity',
    section: 'discussion',
  },
  {
    id: 'disc.convex-solution',
    title: 'Convex problems end in kernel machines',
    statement: 'The unique optimum of an $L_2$-regularised linear or logistic regression lies in $\\mathrm{span}\\{\\phi(x_i)\\}$, whatever the optimiser.',
    source: 'section 3',
    uses: ['sec.linear-models'],
    kind: 'identity',
    section: 'discussion',
  },
  {
    id: 'disc.scalability',
    title: 'Evaluating the kernel machine costs as much as training',
    statement: 'Evaluating $f_w$ at a query costs the same whatever $m$ and the number of steps $S$ (cost slope 0 in $m$ and in $S$); the path-kernel machine needs every training point and the whole path (cost slope 1 in $m$ and in $S$, about one training run per query).',
    source: 'section 3',
    uses: ['thm.kernel-machine'],
    kind: 'law',
    section: 'discussion',
  },
  {
    id: 'disc.superposition',
    title: 'Weights are a superposition of training examples',
    statement: '$$w_T - w_0 = -\\int_0^T \\sum_i L\'_i \\nabla_w f(x_i)\\,dt$$',
    source: 'section 3',
    uses: ['step.loss-additivity', 'step.gradient-flow-limit'],
    kind: 'identity',
    section: 'discussion',
  },
  // Caveats.
  {
    id: 'caveat.signed-average',
    title: 'A signed average',
    statement: '$\\bar L\'_i$ averages $L\'_i(t)$ with signed weights $K^g(x, x_i)(t)$: where $K^g$ changes sign along the path, $a_i$ can lie outside $[\\min_t -L\'_i, \\max_t -L\'_i]$ (found by a search over generated flows and queries); where $K^g$ keeps one sign it cannot.',
    source: 'derived',
    uses: ['step.reweight'],
    kind: 'caveat',
    section: 'caveats',
  },
  {
    id: 'caveat.zero-path-kernel',
    title: 'Division by a vanishing path kernel',
    statement: 'P9 divides by $K^p(x, x_i)$: near a simple root $s^*$ of $K^p(x(s), x_i)$ along a line of queries, $|a_i| \\sim 1/|s - s^*|$ while $a_i K^p = -K^{lp}$ stays finite (found by a search over generated flows and lines of queries).',
    source: 'derived',
    uses: ['step.reweight'],
    kind: 'caveat',
    section: 'caveats',
  },
  {
    id: 'caveat.sum-vs-mean-loss',
    title: 'Sum or mean',
    statement: 'With a mean loss every $L\'_i$ carries $1/m$ (time rescaled by $1/m$); mixing conventions breaks the identity by exactly that factor.',
    source: 'derived',
    uses: ['step.loss-additivity', 'thm.kernel-machine'],
    kind: 'identity',
    section: 'caveats',
  },
  {
    id: 'caveat.batch-coupling',
    title: 'Batch normalisation couples the examples',
    statement: 'With batch normalisation $y_i$ depends on the whole batch: the identity survives only with total derivatives through the batch statistics, and $K^g(x_i, x_j)$ then changes when a third point changes (found by a search over generated batch-norm models); with per-example derivatives the representation misses.',
    source: 'derived',
    uses: ['step.loss-additivity', 'thm.kernel-machine'],
    kind: 'caveat',
    section: 'caveats',
  },
  {
    id: 'caveat.nondifferentiable',
    title: 'ReLU is not differentiable at 0',
    statement: 'ReLU is not differentiable at 0, outside Theorem 1\'s hypothesis. The identities still hold almost everywhere: a ReLU network is Lipschitz and piecewise polynomial in $w$, so the chain rule holds at almost every point of the path; shown on ReLU gradient flows integrated between located kink crossings (up to the onset of a sliding mode, where the classical flow ends) and on discrete paths with the kinks located on each segment. Fixed-node quadrature across a kink converges only algebraically in the node count (a finding about quadrature, not about the claim).',
    source: 'derived',
    uses: ['disc.exact-path-kernel'],
    kind: 'caveat',
    section: 'caveats',
  },
  {
    id: 'caveat.data-dependent-kernel',
    title: 'The kernel is chosen after seeing the data',
    statement: 'The path kernel is chosen by the training data: from the same $w_0$, different targets give different $K^p$ (a model linear in $w$ is the exception, $K^p = T K^g(w_0)$), and under muP its distance from the kernel fixed before training, $|K^p / T - K^g(w_0)| / |K^g(w_0)|$, stays $\\Theta(1)$ as width grows instead of fading like $\\mathrm{width}^{-1/2}$. Representability alone says nothing: any $f$ is a kernel machine with $K = f(x) f(x\')$.',
    source: 'derived',
    uses: ['thm.kernel-machine'],
    kind: 'law',
    section: 'caveats',
  },
  // Beyond the paper.
  {
    id: 'disc.exact-path-kernel',
    title: 'Exact discrete path kernels',
    statement: '$$f(x; w_S) = f(x; w_0) - \\epsilon \\sum_s \\sum_i L\'_{i,s} \\int_0^1 \\nabla f(x; w_s + \\tau \\Delta w_s) \\cdot \\nabla f(x_i; w_s)\\,d\\tau$$ with no limit; only quadrature and rounding remain.',
    source: 'Bell et al. 2023 (arXiv 2308.00824)',
    uses: ['def.path-kernel', 'step.gd-update'],
    kind: 'identity',
    section: 'beyond',
  },
  {
    id: 'disc.sgd-exact',
    title: 'Exact kernels for SGD',
    statement: 'The same with the sum over the batch of step $s$ (and its $1/B$ for a mean batch loss).',
    source: 'derived',
    uses: ['disc.exact-path-kernel', 'rem.sgd-indicators'],
    kind: 'identity',
    section: 'beyond',
  },
  {
    id: 'disc.momentum-exact',
    title: 'Exact kernels for momentum',
    statement: 'Heavy-ball and Nesterov steps are combinations of the gradients of steps $r \\le s$: a two-time kernel $\\int_0^1 \\nabla f(x; w_s + \\tau\\Delta w_s)\\,d\\tau \\cdot \\nabla f(x_i; w_r)$ represents them exactly.',
    source: 'derived',
    uses: ['disc.exact-path-kernel'],
    kind: 'identity',
    section: 'beyond',
  },
  {
    id: 'disc.adam-exact',
    title: 'Exact kernels for Adam',
    statement: 'Adam preconditions by $P_s$: the kernel $\\int_0^1 \\nabla f(x; w_s + \\tau\\Delta w_s)\\,d\\tau \\cdot P_s \\nabla f(x_i; w_r)$ with the moving average of gradients is exact.',
    source: 'derived',
    uses: ['disc.exact-path-kernel'],
    kind: 'identity',
    section: 'beyond',
  },
  {
    id: 'rate.first-order',
    title: "Domingos' formula under finite steps: O(eps)",
    statement: 'Left-point tangent kernels per step, $K^p = \\epsilon \\sum_s K^g(w_s)$, leave an error $O(\\epsilon)$ at fixed $T$: per step $\\tfrac12 \\Delta w^\\top \\nabla^2_w f\\, \\Delta w$.',
    source: 'derived',
    uses: ['disc.exact-path-kernel'],
    kind: 'law',
    section: 'beyond',
  },
  {
    id: 'rate.second-order',
    title: 'With the curvature term: O(eps^2)',
    statement: 'Adding $\\tfrac12 \\sum_s \\Delta w_s^\\top \\nabla^2_w f(x; w_s) \\Delta w_s$ leaves $O(\\epsilon^2)$.',
    source: 'Guo, He, Morel 2026 (arXiv 2606.07495), derived form',
    uses: ['rate.first-order'],
    kind: 'law',
    section: 'beyond',
  },
  {
    id: 'rate.gd-vs-flow',
    title: 'GD against the flow: O(eps)',
    statement: 'At the queries, $\\|f(x; w_{GD}(T)) - f(x; w(T))\\| = O(\\epsilon)$: Euler\'s global error in $w$ carried to the outputs.',
    source: "Euler's method",
    uses: ['step.gradient-flow-limit'],
    kind: 'law',
    section: 'beyond',
  },
  {
    id: 'rate.modified-flow',
    title: 'GD follows a modified flow to O(eps^2)',
    statement: 'GD follows the flow of $L + \\tfrac{\\epsilon}{4}\\|\\nabla L\\|^2$ to $O(\\epsilon^2)$.',
    source: 'Barrett and Dherin 2021',
    uses: ['rate.gd-vs-flow'],
    kind: 'law',
    section: 'beyond',
  },
  {
    id: 'sgd.deviation',
    title: 'SGD deviates by sampling noise',
    statement: 'Under SGD with batches of $B$ examples drawn with replacement, the seed-to-seed spread of $f_T(x)$ is the sampling noise integrated over $[0, T]$, $\\propto \\sqrt{\\epsilon T / B}$: it grows like $\\epsilon^{1/2}$ and shrinks like $B^{-1/2}$. The full-batch path-kernel machine misses it; the masked exact kernel does not.',
    source: 'Guo, He, Morel 2026 (arXiv 2603.13872), measured here',
    uses: ['disc.sgd-exact'],
    kind: 'law',
    section: 'beyond',
  },
  // Regimes.
  {
    id: 'regime.lazy',
    title: 'Lazy training under the NTK parametrisation',
    statement: 'Stated (Jacot et al. 2018; Lee et al. 2019): under the NTK parametrisation the relative change of the tangent kernel during training shrinks like $\\mathrm{width}^{-1/2}$, and so does that of the weights. The competing rate for the kernel is $\\mathrm{width}^{-1}$ at a fixed pair of inputs (Dyer and Gur-Ari 2020: the $\\mathrm{width}^{-1/2}$ terms of its rate of change cancel over units), which would make the stated rate a bound rather than the rate.',
    source: 'Jacot et al. 2018; Lee et al. 2019; Dyer and Gur-Ari 2020',
    uses: ['caveat.data-dependent-kernel'],
    kind: 'law',
    section: 'regimes',
  },
  {
    id: 'regime.feature-learning',
    title: 'Feature learning under muP',
    statement: 'Under muP the tangent kernel and the last-layer features keep moving by $\\Theta(1)$ as width grows, not like $\\mathrm{width}^{-1/2}$ (the lazy rate).',
    source: 'Yang and Hu 2020 (arXiv 2011.14522)',
    uses: ['caveat.data-dependent-kernel'],
    kind: 'law',
    section: 'regimes',
  },
  {
    id: 'regime.output-scale',
    title: 'Output scale and laziness',
    statement: 'For the centred model $\\alpha (f_w - f_{w_0})$ trained on $\\alpha^{-2} L$: the weights move $O(1/\\alpha)$ (not $\\Theta(1)$), and the tangent kernel drifts $O(1/\\alpha)$, first order in the weights\' movement (not $O(1/\\alpha^2)$).',
    source: 'Chizat, Oyallon, Bach 2019',
    uses: ['caveat.data-dependent-kernel'],
    kind: 'law',
    section: 'regimes',
  },
  // Frameworks.
  {
    id: 'xfw.tfjs',
    title: 'TensorFlow.js-trained models obey the exact representation',
    statement: 'Models trained by TensorFlow.js optimisers (float32) obey the exact discrete representation to float32 precision; its gradients agree with the float64 engine within float32 rounding, and every step and trajectory of tf.train.sgd, momentum (heavy ball, Nesterov) and adam agrees with our float64 optimisers from the same $w_0$ within a derived float32 bound.',
    source: 'cross-check',
    uses: ['disc.exact-path-kernel'],
    kind: 'identity',
    section: 'frameworks',
  },
  {
    id: 'xfw.torch',
    title: 'Agreement with PyTorch float64 fixtures',
    statement: 'Per-example gradients, tangent kernels, GD paths and torch.optim trajectories (SGD, momentum, Nesterov, Adam, AdamW; L2 and decoupled weight decay; explicit mini-batches; sum and mean losses) agree with committed PyTorch float64 fixtures to about $10^{-12}$ relative, at every step.',
    source: 'cross-check',
    uses: ['def.tangent-kernel'],
    kind: 'identity',
    section: 'frameworks',
  },
];

/** The claim with this ID, or undefined. */
export function claimById(id: string): Claim | undefined {
  return CLAIMS.find((c) => c.id === id);
}
