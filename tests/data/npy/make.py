#!/usr/bin/env python3
"""Regenerates the .npy fixtures of tests/unit/npy.test.ts with NumPy.

Run from anywhere:  python3 tests/data/npy/make.py
The values are simple formulas that the tests recompute on their own side.
"""
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

HERE = Path(__file__).resolve().parent


def save(name: str, array: np.ndarray) -> None:
    np.save(HERE / name, array, allow_pickle=False)


def write_version(name: str, array: np.ndarray, version: tuple) -> None:
    with open(HERE / name, "wb") as f:
        npy_format.write_array(f, array, version=version, allow_pickle=False)


def main() -> None:
    # float32, 2-D: value i (row-major) = float32(i * 0.1 - 0.35)
    save("f32-2d.npy", (np.arange(12, dtype=np.float64) * 0.1 - 0.35).astype(np.float32).reshape(3, 4))
    # float64, 3-D: value i = sqrt(i) / 7 - 1
    save("f64-3d.npy", (np.sqrt(np.arange(24, dtype=np.float64)) / 7 - 1).reshape(2, 3, 4))
    # float64, 1-D and 0-D shapes: value i = i / 4 - 0.5 and 2.5
    save("f64-1d.npy", np.arange(5, dtype=np.float64) / 4 - 0.5)
    save("f64-0d.npy", np.array(2.5, dtype=np.float64))
    # format versions 2.0 (uint32 header length) and 3.0 (UTF-8 header): value i = i / 4
    write_version("v2.npy", (np.arange(10, dtype=np.float64) / 4).reshape(2, 5), (2, 0))
    write_version("v3.npy", (np.arange(6, dtype=np.float64) / 4).astype(np.float32).reshape(3, 2), (3, 0))
    # unsupported inputs
    save("fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    save("int64.npy", np.arange(6, dtype=np.int64).reshape(2, 3))
    save("big-endian.npy", np.arange(4, dtype=">f4"))
    # a NaN and an Infinity in a 2×3 float32 array, at [0, 2] and [1, 1]
    bad = np.zeros((2, 3), dtype=np.float32)
    bad[0, 2] = np.nan
    bad[1, 1] = np.inf
    save("non-finite.npy", bad)
    # truncated files: inside the header, and 4 bytes short of the data
    whole = (HERE / "f32-2d.npy").read_bytes()
    (HERE / "truncated-header.npy").write_bytes(whole[:40])
    (HERE / "truncated-data.npy").write_bytes(whole[:-4])


if __name__ == "__main__":
    main()
