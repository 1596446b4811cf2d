"""Throughput of `microsynth.potts.simulate` on the issue's benchmark: 64^3 sites, kT 0.5, unique ids, 52 MCS.

Prints site attempts per second (wall clock, after numba warm-up, best of `--repeat`), the grains left,
and ratios against (a) the reference C++ code (SPPARKS potts/neighonly, ~3 million attempts/s serially
on this machine, as measured for issue 3) and (b) an in-repo baseline: a straightforward serial numba
implementation of the same rule (sites one at a time, in random or raster order, distinct-id list built with
a nested scan). The raster-order baseline leaves the reference's grain count (~1,720); random sites coarsen
more slowly per MCS, the parallel sublattice sweep in between (the update order sets the time scale).
The machine is shared: the load average is printed with each number, and CPU seconds beside wall seconds.

    python bench/potts.py [--size 64] [--mcs 52] [--repeat 3] [--threads 1 2]
"""
import argparse, os, time
from microsynth.runner import thread_settings
thread_settings()  # numba's workqueue layer (as the microsynth command): before numba loads
import numpy as np, numba
from numba import njit
from microsynth.potts import simulate, n_grains

REFERENCE_CPP = 3.0e6  # attempts/s of SPPARKS on this machine (issue 3)

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

def load(): return os.getloadavg()[0]

def timed(f, repeat):
    best = None
    for _ in range(repeat):
        l0, t0, c0 = load(), time.perf_counter(), time.process_time()
        out = f()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if best is None or wall < best[0]: best = (wall, cpu, max(l0, load()), out)
    return best

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--size', type=int, default=64); ap.add_argument('--mcs', type=int, default=52)
    ap.add_argument('--repeat', type=int, default=3); ap.add_argument('--threads', type=int, nargs='+', default=[numba.config.NUMBA_NUM_THREADS])
    a = ap.parse_args()
    shape, att = (a.size,) * 3, a.size ** 3 * a.mcs
    simulate((8, 8, 8), 2); _serial_baseline(np.arange(1, 513, dtype=np.int32), 8, 8, 8, 1, 0.5, 0, False)  # numba warm-up / cache load
    print(f'{a.size}^3, kT 0.5, unique ids, {a.mcs} MCS = {att / 1e6:.1f} million attempts; {os.cpu_count()} cores, '
          f'threading layer {numba.threading_layer()}')
    for raster in (False, True):
        wall, cpu, ld, bvol = timed(lambda: _serial_baseline(np.arange(1, a.size**3 + 1, dtype=np.int32), *shape, a.mcs, 0.5, 0, raster), 1)
        if not raster: base = att / wall
        print(f'serial numba baseline, {"raster order" if raster else "random sites "}: {att / wall / 1e6:6.2f} M attempts/s  '
              f'(wall {wall:.2f} s, cpu {cpu:.2f} s, load {ld:.1f}); {att / cpu / 1e6:.1f} M per cpu-second; grains left {n_grains(bvol)}')
    for th in a.threads:
        numba.set_num_threads(th)
        wall, cpu, ld, vol = timed(lambda: simulate(shape, a.mcs, kT=0.5, seed=0), a.repeat)
        r = att / wall
        print(f'microsynth, {th} thread(s): {r / 1e6:6.2f} M attempts/s  (wall {wall:.2f} s, cpu {cpu:.2f} s, '
              f'load {ld:.1f}); {att / cpu / 1e6:.1f} M per cpu-second; grains left {n_grains(vol)}; '
              f'x{r / REFERENCE_CPP:.1f} vs reference C++ (3 M/s), x{r / base:.1f} vs serial numba baseline (random sites)')

if __name__ == '__main__': main()
