"""Gradient flow of a tanh MLP with squared loss, integrated by scipy's DOP853, for the bench's side-by-side
count of right-hand-side evaluations. Reads a JSON problem on stdin, writes JSON results on stdout.

The parameter layout is pathkernel's: for each dense layer W row-major [out, in], then b [out]; the model is
f(x) = W_L tanh(... tanh(W_1 x + b_1) ...) + b_L, and L = sum_i 1/2 (f(x_i) - y_i)^2 (a sum, as in the paper).
"""
import json
import sys

import numpy as np
import scipy
from scipy.integrate import solve_ivp


def unpack(w, sizes):
    layers, offset = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = w[offset:offset + fan_out * fan_in].reshape(fan_out, fan_in)
        offset += fan_out * fan_in
        b = w[offset:offset + fan_out]
        offset += fan_out
        layers.append((W, b))
    return layers


def gradient(w, sizes, X, Y):
    layers = unpack(w, sizes)
    hs, h = [X], X
    for i, (W, b) in enumerate(layers):
        z = h @ W.T + b
        h = z if i == len(layers) - 1 else np.tanh(z)
        hs.append(h)
    g = h - Y  # L'_i of the squared loss
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        W, _ = layers[i]
        grads.append((g.T @ hs[i], g.sum(axis=0)))
        if i > 0:
            g = (g @ W) * (1 - hs[i] ** 2)
    out = []
    for gW, gb in reversed(grads):
        out.append(gW.ravel())
        out.append(gb)
    return np.concatenate(out)


def main():
    p = json.load(sys.stdin)
    sizes, X, Y = p["sizes"], np.array(p["X"]), np.array(p["Y"])
    w0 = np.array(p["w0"])
    results = []
    for rtol in p["rtols"]:
        sol = solve_ivp(lambda t, w: -gradient(w, sizes, X, Y), (0, p["T"]), w0, method="DOP853", rtol=rtol, atol=rtol * p["atolFactor"])
        results.append({"rtol": rtol, "nfev": int(sol.nfev), "wT": sol.y[:, -1].tolist(), "status": int(sol.status)})
    json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "results": results}, sys.stdout)


main()
