"""Synthetic crack tiles per second (texture growth + crack, 128², half with a crack), in memory and written to disk.

    MICROSYNTH_DATA=/work/shared/data python bench/cracks.py [n_tiles] [batch]

Baseline: the same texture growth one tile at a time (batch 1), to show what batching the patch search buys.
Target (issue 7): at least 50 tiles/s on a 2-core machine. Prints the load average: other processes slow it down.
"""
import os, sys, tempfile, time
import numpy as np
from microsynth.realdata import mtcracks_folder
from microsynth.textures import build_dictionary, synth_textures
from microsynth.cracks import fit_crack_params, render_crack, sample_crack, synth_crack_dataset

def tiles_per_s(td, model, n, batch):
    "Tiles per wall-clock second (and per CPU second of this process, less sensitive to other load)."
    t0, c0 = time.perf_counter(), time.process_time()
    for b0 in range(0, n, batch):
        tex = synth_textures(td, range(b0, min(b0 + batch, n)))
        for k, t in enumerate(tex):
            if (b0 + k) % 2: render_crack(t, sample_crack(model, np.random.default_rng(b0 + k)))
    return n/(time.perf_counter() - t0), n/(time.process_time() - c0)

def main(n=512, batch=64):
    td = build_dictionary(mtcracks_folder('free'), n_patches=3000, seed=0)
    model = fit_crack_params()
    tiles_per_s(td, model, 8, 8)                                   # numba compile, BLAS warm-up
    base, base_cpu = tiles_per_s(td, model, min(n, 64), 1)
    mem, mem_cpu = tiles_per_s(td, model, n, batch)
    with tempfile.TemporaryDirectory() as d:
        t0, c0 = time.perf_counter(), time.process_time(); synth_crack_dataset(d, n, td, model, batch=batch)
        disk, disk_cpu = n/(time.perf_counter() - t0), n/(time.process_time() - c0)
    print(f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; dictionary {len(td)} patches of {td.patch}², tiles 128²')
    print(f'                          tiles/s (wall)  tiles per CPU-s')
    print(f'batch 1 (baseline)      : {base:9.1f} {base_cpu:14.1f}')
    print(f'batch {batch:<3d} in memory    : {mem:9.1f} {mem_cpu:14.1f}   ({mem/base:.1f}x baseline)')
    print(f'batch {batch:<3d} to disk (PNG): {disk:9.1f} {disk_cpu:14.1f}   ({disk/base:.1f}x baseline; target >= 50 wall)')
    return mem, disk

if __name__ == '__main__': main(*map(int, sys.argv[1:]))
