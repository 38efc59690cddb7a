#!/usr/bin/env python3
"""An independent re-implementation of the seeded workloads, from the definitions written
at the top of src/workloads/generate.ts and src/workloads/rng.ts (not from their code).

Writes, next to this script:
- rng.json: the first outputs of Rng(seed).next(), .normal() and .int(n) for a few seeds;
- one folder per case with config.json and q.npy, k.npy, v.npy (float64, H×N×d).
tests/unit/generate.test.ts compares src/workloads against them. Python's math.log / sin /
cos are used here, so the values agree with the TypeScript ones to rounding (~1e-15), not
bit for bit.

Run:  python3 tests/data/workloads/make.py
"""
import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
M32 = 0xFFFFFFFF


def fmix32(x: int) -> int:
    x &= M32
    x = ((x ^ (x >> 16)) * 0x85EBCA6B) & M32
    x = ((x ^ (x >> 13)) * 0xC2B2AE35) & M32
    return x ^ (x >> 16)


def rotl(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & M32


class Rng:
    """xoshiro128** seeded by SplitMix32; Marsaglia polar normals with a cached spare."""

    def __init__(self, seed: int):
        w = seed & M32
        state = []
        for _ in range(4):
            w = (w + 0x9E3779B9) & M32
            state.append(fmix32(w))
        self.s = state
        self.spare = None

    def u32(self) -> int:
        s0, s1, s2, s3 = self.s
        result = (rotl((s1 * 5) & M32, 7) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def next(self) -> float:
        return self.u32() / 2.0**32

    def normal(self) -> float:
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        while True:
            u = 2 * self.next() - 1
            v = 2 * self.next() - 1
            s = u * u + v * v
            if 0 < s < 1:
                break
        f = math.sqrt(-2 * math.log(s) / s)
        self.spare = v * f
        return u * f

    def int(self, n: int) -> int:
        limit = 2**32 - (2**32 % n)
        while True:
            u = self.u32()
            if u < limit:
                return u % n


def stream(seed: int, head: int, s: int) -> Rng:
    base = fmix32((seed & M32) ^ 0x6A09E667)
    return Rng(fmix32((base + (4 * head + s + 1) * 0x9E3779B9) & M32))


def normals(rng: Rng, shape) -> np.ndarray:
    out = np.empty(int(np.prod(shape)))
    for i in range(out.size):
        out[i] = rng.normal()
    return out.reshape(shape)


def smooth(rng: Rng, n: int, cols: int) -> np.ndarray:
    f = np.empty((cols, 3))
    phi = np.empty((cols, 3))
    a = np.empty((cols, 3))
    for c in range(cols):
        for s in range(3):
            f[c, s] = 0.5 + 3.5 * rng.next()
            phi[c, s] = rng.next()
            a[c, s] = rng.normal() / math.sqrt(3)
    x = np.empty((n, cols))
    for t in range(n):
        for c in range(cols):
            x[t, c] = sum(a[c, s] * math.sin(2 * math.pi * (f[c, s] * t / n + phi[c, s])) for s in range(3))
            x[t, c] += 0.1 * rng.normal()
    return x


def generate(workload: str, n: int, d: int, dv: int, heads: int, seed: int, logit_scale: float):
    q = np.zeros((heads, n, d))
    k = np.zeros((heads, n, d))
    v = np.zeros((heads, n, dv))
    for h in range(heads):
        rq, rk, rv, rs = (stream(seed, h, s) for s in range(4))
        if workload == "gaussian":
            q[h], k[h], v[h] = normals(rq, (n, d)), normals(rk, (n, d)), normals(rv, (n, dv))
        elif workload == "smooth":
            q[h], k[h], v[h] = smooth(rq, n, d), smooth(rk, n, d), smooth(rv, n, dv)
        elif workload == "clustered":
            c = min(64, max(2, round(math.sqrt(n))))
            sigma = 3 / d**0.25
            centres = sigma * normals(rs, (c, d))
            for t in range(n):
                mu = centres[rs.int(c)]
                for j in range(d):
                    q[h, t, j] = mu[j] + 0.3 * rq.normal()
                    k[h, t, j] = mu[j] + 0.3 * rk.normal()
            v[h] = normals(rv, (n, dv))
        elif workload == "local":
            pairs = d // 2
            freqs = [rs.normal() / (2 * math.pi * 8) for _ in range(pairs)]
            amp = math.sqrt(12 * math.sqrt(d) / pairs) if pairs else 0.0
            for t in range(n):
                for p, f in enumerate(freqs):
                    code = (amp * math.cos(2 * math.pi * f * t), amp * math.sin(2 * math.pi * f * t))
                    q[h, t, 2 * p] = code[0] + 0.1 * rq.normal()
                    q[h, t, 2 * p + 1] = code[1] + 0.1 * rq.normal()
                    k[h, t, 2 * p] = code[0] + 0.1 * rk.normal()
                    k[h, t, 2 * p + 1] = code[1] + 0.1 * rk.normal()
                if d % 2:
                    q[h, t, d - 1] = 0.1 * rq.normal()
                    k[h, t, d - 1] = 0.1 * rk.normal()
            v[h] = normals(rv, (n, dv))
        else:
            raise ValueError(workload)
    return q * logit_scale, k, v


CASES = {
    "gaussian-h2-n9-d3-dv2": dict(workload="gaussian", n=9, d=3, dv=2, heads=2, seed=42, logitScale=1.0),
    "smooth-h2-n150-d4-dv3": dict(workload="smooth", n=150, d=4, dv=3, heads=2, seed=7, logitScale=1.5),
    "clustered-h2-n30-d5": dict(workload="clustered", n=30, d=5, dv=5, heads=2, seed=2147483647, logitScale=1.0),
    "local-h1-n40-d7": dict(workload="local", n=40, d=7, dv=7, heads=1, seed=3, logitScale=0.5),
    "local-h1-n10-d1": dict(workload="local", n=10, d=1, dv=1, heads=1, seed=1, logitScale=1.0),
}


def main() -> None:
    rng_cases = []
    for seed in [0, 1, 12345, 2**32 - 1]:
        a, b, c = Rng(seed), Rng(seed), Rng(seed)
        rng_cases.append({
            "seed": seed,
            "next": [a.next() for _ in range(8)],
            "normal": [b.normal() for _ in range(8)],
            "int7": [c.int(7) for _ in range(8)],
        })
    (HERE / "rng.json").write_text(json.dumps(rng_cases, indent=1) + "\n")

    for name, cfg in CASES.items():
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        q, k, v = generate(cfg["workload"], cfg["n"], cfg["d"], cfg["dv"], cfg["heads"], cfg["seed"], cfg["logitScale"])
        (folder / "config.json").write_text(json.dumps(cfg, indent=1) + "\n")
        for t, arr in (("q", q), ("k", k), ("v", v)):
            np.save(folder / f"{t}.npy", arr, allow_pickle=False)


if __name__ == "__main__":
    main()
