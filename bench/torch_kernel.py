"""The empirical tangent kernel of a tanh MLP by PyTorch's functorch Jacobian contraction (vmap(jacrev) then a
contraction over every parameter block), for the bench's side-by-side row. Reads a JSON problem on stdin,
writes JSON results on stdout.

The parameter layout is pathkernel's: for each dense layer W row-major [out, in], then b [out]; the model is
f(x) = W_L tanh(... tanh(W_1 x + b_1) ...) + b_L (standard parametrisation), float64. The kernel is
K = sum over blocks of J_block J_block^T, as neural-tangents' Jacobian contraction computes it.

Input: {"sizes": [16, 256, ...], "X": [[...], ...], "w": [...], "repeats": 5, "threads": 1}.
Output: versions, the median wall and CPU (process) time and every wall time in ms, the peak RSS of this process (MiB, from getrusage, so
including the interpreter and torch) and its RSS before the first kernel, and K itself for the agreement check.
"""
import json
import resource
import statistics
import sys
import time

import torch
from functorch import jacrev, vmap


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def unpack(w, sizes):
    params, offset = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(w[offset:offset + fan_out * fan_in].reshape(fan_out, fan_in))
        offset += fan_out * fan_in
        params.append(w[offset:offset + fan_out])
        offset += fan_out
    return tuple(params)


def f(params, x):
    h = x
    layers = len(params) // 2
    for i in range(layers):
        z = params[2 * i] @ h + params[2 * i + 1]
        h = z if i == layers - 1 else torch.tanh(z)
    return h


def kernel(params, X):
    jac = vmap(jacrev(f), in_dims=(None, 0))(params, X)
    n = X.shape[0]
    return sum(j.reshape(n, -1) @ j.reshape(n, -1).T for j in jac)


def main():
    p = json.load(sys.stdin)
    torch.set_num_threads(int(p.get("threads", 1)))
    sizes = p["sizes"]
    X = torch.tensor(p["X"], dtype=torch.float64)
    w = torch.tensor(p["w"], dtype=torch.float64)
    params = unpack(w, sizes)
    rss_before = rss_mib()
    K = kernel(params, X)  # warm-up
    times, cpu = [], []
    for _ in range(int(p.get("repeats", 5))):
        c0, t0 = time.process_time(), time.perf_counter()
        K = kernel(params, X)
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(
        {
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "ms": statistics.median(times),
            "cpuMs": statistics.median(cpu),
            "times": times,
            "rssBeforeMiB": rss_before,
            "peakRssMiB": peak,
            "K": K.tolist(),
        },
        sys.stdout,
    )


main()
