"""Where the time of `translate_dataset` goes per sample: the generator's forward pass (unet_256 on a 256² boundary
mask, CPU) against writing the sample (its image, mask and labels PNGs encoded and written, `dataset.write_sample`).

Writing is the part that could move to worker processes; this measures whether it would pay.

    python bench/translate.py [--repeats 5] [--threads 2]
"""
import argparse, sys, tempfile
from pathlib import Path
from microsynth.runner import thread_settings
thread_settings()  # passive OpenMP waiting, before torch loads its runtime
import numpy as np, torch
from microsynth.images import boundary_mask
from microsynth.dataset import write_sample
from microsynth.grains import voronoi_labels
from microsynth.pix2pix import init_weights, unet_for_size
from microsynth.translate import translate_mask
sys.path.insert(0, str(Path(__file__).parent))
from _timing import Candidate, compare, table

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--repeats', type=int, default=5); ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    G = init_weights(unet_for_size(256, 1, 3))
    lab = voronoi_labels(256, 40, np.random.default_rng(0)).astype(np.int32); mask = boundary_mask(lab, 3)
    img = translate_mask(G, mask, seed=0)
    with tempfile.TemporaryDirectory() as d:
        k = iter(range(10**6))
        cs = compare([Candidate('generator forward (translate_mask)', lambda: translate_mask(G, mask, seed=0)),
                      Candidate('write_sample (3 PNGs)', lambda: write_sample(d, f's{next(k)}', img, mask=mask, labels=lab))], a.repeats, warmup=1)
    print(table(cs, 'samples'))
    print(f"writing is {100 * cs[1].median_cpu / (cs[0].median_cpu + cs[1].median_cpu):.1f}% of a translated sample's CPU time")
