"""Throughput of `microsynth.potts.simulate` on the project's Potts benchmark: 64^3 sites, kT 0.5, unique ids, 52 MCS.

Prints site attempts per second (median and spread of `--repeats`, timed in turns with the baselines, wall and CPU),
the grains left, and ratios against
(a) an in-repo baseline: a straightforward serial numba implementation of the same rule (sites one at a time, in
    random or raster order, distinct-id list built with a nested scan) - the raster-order baseline leaves the
    reference's grain count (~1,720); random sites coarsen more slowly per MCS, the parallel sublattice sweep in
    between (the update order sets the time scale);
(b) our sweep with the other way to draw among the distinct foreign ids: `_choose` compares each neighbour with every
    earlier one, branch-free (O(n^2) comparisons, n <= 26); the variant compares it with the distinct ids found so far
    (O(n k), k distinct ids, mostly 1-3) - fewer comparisons, but data-dependent branches. Both give the same volume;
(c) the reference C++ code (SPPARKS potts/neighonly, ~3 million attempts/s serially on this machine, measured once:
    SPPARKS is not installed here, so the ratio is against that rate);
(d) the same model in torch (`simulate_torch`, the 8-colour checkerboard as whole-tensor operations) on the CPU, to
    see its cost there, and on `cuda` when a GPU is present (its row is printed then).

    python bench/potts.py [--size 64] [--mcs 52] [--repeats 5] [--threads 2]
"""
import argparse, inspect, os, sys
from pathlib import Path
from microsynth.runner import thread_settings
thread_settings()  # numba's workqueue layer (as the microsynth command): before numba loads
import numpy as np, numba, torch
from numba import njit, prange
import microsynth.potts as P
from microsynth.potts import simulate, simulate_torch, n_grains
sys.path.insert(0, str(Path(__file__).parent))
from _timing import Candidate, compare, table

REFERENCE_CPP = 3.0e6  # attempts/s of SPPARKS on this machine (measured once, when the numba kernel was first written)

@njit(cache=True)
def _serial_baseline(s, nz, ny, nx, mcs, kT, seed, raster):
    "SPPARKS-like serial sweep (random sites, or raster order), uniform draw among distinct foreign neighbour ids, Metropolis."
    np.random.seed(seed)
    nb = np.empty(26, np.int32); cnt = np.empty(26, np.int32)
    N = nz * ny * nx
    for t in range(mcs * N):
        site = t % N if raster else np.random.randint(N)
        z = site // (ny * nx); y = (site // nx) % ny; x = site % nx
        own = s[site]; k = 0; nown = 0
        for dz in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    if dz == 0 and dy == 0 and dx == 0: continue
                    v = s[(((z + dz) % nz) * ny + (y + dy) % ny) * nx + (x + dx) % nx]
                    if v == own:
                        nown += 1; continue
                    found = False
                    for d in range(k):
                        if nb[d] == v:
                            cnt[d] += 1; found = True; break
                    if not found:
                        nb[k] = v; cnt[k] = 1; k += 1
        if k == 0: continue
        i = np.random.randint(k)
        de = nown - cnt[i]
        if de <= 0 or np.random.random() < np.exp(-de / kT): s[site] = nb[i]
    return s

@njit(inline='always')
def _choose_list(nb, n, first, h):
    "`potts._choose` drawing the same id, with each neighbour compared with the distinct ids found so far only."
    k = 0
    for j in range(n):
        v = nb[j]; i = 0
        while i < k and nb[first[i]] != v: i += 1
        if i == k: first[k] = j; k += 1
    new = nb[first[0]]
    if k > 1: new = nb[first[P._below(h, k)]]
    m = 0
    for j in range(n): m += nb[j] == new
    return new, m

def _list_sweep():
    "`potts._sweep_colour` with `_choose_list` in place of `_choose` (made from its source, so the rest stays the library's)."
    src = inspect.getsource(P._sweep_colour.py_func).replace('_choose(', '_choose_list(').replace('cache=True', 'cache=False')
    ns = {**vars(P), '_choose_list': _choose_list}; exec(src, ns)
    return ns['_sweep_colour']

def sweeps(shape, mcs, kT, seed, sweep):
    "`simulate`'s loop (unique ids) with the colour sweep `sweep`."
    s = P.init_volume(shape, 'unique', seed)
    nz, ny, nx = shape
    flat, thr = s.reshape(-1), P._thresholds(float(kT))
    cols = [(a, b, c) for a in P._colours(nz) for b in P._colours(ny) for c in P._colours(nx)]
    for t in range(mcs):
        key = np.uint64(P._mcs_key(seed, t))
        for ci in P._order(key ^ P._GOLD, len(cols)):
            zs, ys, xs = cols[ci]
            sweep(flat, nz, ny, nx, zs=zs, ys=ys, xs=xs, three_d=True, key=key, thr=thr)
    return s

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--size', type=int, default=64); ap.add_argument('--mcs', type=int, default=52)
    ap.add_argument('--repeats', type=int, default=5); ap.add_argument('--threads', type=int, default=numba.config.NUMBA_NUM_THREADS)
    a = ap.parse_args()
    shape, att, n = (a.size,) * 3, a.size ** 3 * a.mcs, a.size ** 3
    numba.set_num_threads(a.threads)
    torch.set_num_threads(a.threads)
    gpu = torch.cuda.is_available()
    list_sweep = _list_sweep()
    simulate_torch((8, 8, 8), 2)
    if gpu: simulate_torch((8, 8, 8), 2, device='cuda')
    simulate((8, 8, 8), 2); sweeps((8, 8, 8), 2, 0.5, 0, list_sweep); _serial_baseline(np.arange(1, 513, dtype=np.int32), 8, 8, 8, 1, 0.5, 0, False)  # compile / cache load
    ours, other = simulate(shape, a.mcs, kT=0.5, seed=0), sweeps(shape, a.mcs, 0.5, 0, list_sweep)
    print(f"{a.size}^3, kT 0.5, unique ids, {a.mcs} MCS = {att / 1e6:.1f} million attempts; {a.threads} numba thread(s), layer {numba.threading_layer()}; "
          f"grains left: ours {n_grains(ours)}, with the distinct-list draw {n_grains(other)} (same volume: {np.array_equal(ours, other)})")
    serial = lambda raster: lambda: _serial_baseline(np.arange(1, n + 1, dtype=np.int32), *shape, a.mcs, 0.5, 0, raster)
    cs = compare([Candidate('serial baseline, random sites', serial(False), att / 1e6),
                  Candidate('serial baseline, raster order', serial(True), att / 1e6),
                  Candidate('sweep, distinct-list draw O(nk)', lambda: sweeps(shape, a.mcs, 0.5, 0, list_sweep), att / 1e6),
                  Candidate('torch simulate_torch, cpu', lambda: simulate_torch(shape, a.mcs, kT=0.5, seed=0), att / 1e6),
                  *([Candidate('torch simulate_torch, cuda', lambda: simulate_torch(shape, a.mcs, kT=0.5, seed=0, device='cuda'), att / 1e6)] if gpu else []),
                  Candidate('microsynth simulate (O(n^2) scan)', lambda: simulate(shape, a.mcs, kT=0.5, seed=0), att / 1e6)], a.repeats, warmup=0)
    print(table(cs, 'M attempts'))
    ms, tc = cs[-1], cs[3]
    print(f"torch on the CPU: {tc.rate:.2f} M attempts/s ({tc.spread()}), numba x{ms.rate / tc.rate:.1f} faster; grains left {n_grains(simulate_torch(shape, a.mcs, kT=0.5, seed=0))}"
          + (f"; torch on cuda: {cs[4].rate:.1f} M attempts/s, x{cs[4].rate / ms.rate:.1f} numba" if gpu else "; no cuda device: no GPU row"))
    print(f"microsynth: {ms.rate:.1f} M attempts/s (median of {len(ms.wall)}, {ms.spread()}; target >= 15), x{ms.rate * 1e6 / REFERENCE_CPP:.1f} vs the "
          f"reference C++ (3 M/s), x{ms.rate / cs[2].rate:.2f} vs the distinct-list draw; grains left by the serial baselines: "
          f"random {n_grains(serial(False)())}, raster {n_grains(serial(True)())}")

if __name__ == '__main__': main()
