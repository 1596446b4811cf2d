"""Synthetic crack tiles per second (texture growth + crack, 128², half with a crack), in memory and written to disk.

    MICROSYNTH_DATA=/work/shared/data python bench/cracks.py [--n 128] [--batch 64] [--repeats 5]

Baseline: the same texture growth one tile at a time (batch 1), to show what batching the patch search buys. Then the
batched tiles in memory, and `synth_crack_dataset` writing them to disk with 1 and 2 worker processes (cracks drawn and
PNGs written in the workers). Median and spread of the repeats (timed in turns), wall and CPU seconds, ratios.
Target: at least 50 tiles/s on a 2-core machine.
"""
import argparse, sys, tempfile
from pathlib import Path
import numpy as np
from microsynth.realdata import mtcracks_folder
from microsynth.textures import build_dictionary, synth_textures
from microsynth.cracks import fit_crack_params, render_crack, sample_crack, synth_crack_dataset
sys.path.insert(0, str(Path(__file__).parent))
from _timing import Candidate, compare, table

def in_memory(td, model, n, batch):
    "Make `n` tiles `batch` textures at a time, crack every other one, keep nothing."
    for b0 in range(0, n, batch):
        tex = synth_textures(td, range(b0, min(b0 + batch, n)))
        for k, t in enumerate(tex):
            if (b0 + k) % 2: render_crack(t, sample_crack(model, np.random.default_rng(b0 + k)))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=128); ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--n_baseline', type=int, default=16); ap.add_argument('--repeats', type=int, default=5)
    a = ap.parse_args()
    td = build_dictionary(mtcracks_folder('free'), n_patches=3000, seed=0)
    model = fit_crack_params()
    print(f"dictionary {len(td)} patches of {td.patch}², tiles 128², {a.n} tiles per repeat (baseline {a.n_baseline})")
    with tempfile.TemporaryDirectory() as d:
        runs = iter(range(10**6))
        disk = lambda workers: lambda: synth_crack_dataset(Path(d)/f'r{next(runs)}', a.n, td, model, batch=a.batch, workers=workers)
        cs = compare([Candidate('batch 1 (baseline)', lambda: in_memory(td, model, a.n_baseline, 1), a.n_baseline),
                      Candidate(f'batch {a.batch} in memory', lambda: in_memory(td, model, a.n, a.batch), a.n),
                      Candidate(f'batch {a.batch} to disk, 1 process', disk(1), a.n),
                      Candidate(f'batch {a.batch} to disk, 2 workers', disk(2), a.n)], a.repeats, warmup=1)
    print(table(cs, 'tiles'))
    print(f"to disk: {max(cs[2].rate, cs[3].rate):.1f} tiles/s (target >= 50), {100 * max(cs[2].rate, cs[3].rate) / cs[1].rate:.0f}% of the in-memory rate")

if __name__ == '__main__': main()
