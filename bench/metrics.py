"""Throughput of the grain metrics: images/s of `average_precision` and `adjusted_rand_index`, with ratios
against a per-object loop (the obvious implementation) and scikit-learn's ARI.

    python bench/metrics.py [--size 256] [--grains 60] [--n 20] [--repeats 5]

Each table: median and spread of the repeats (timed in turns), wall and CPU seconds, ratio against its first line.
"""
import argparse, sys
from pathlib import Path
import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score
from microsynth.metrics import average_precision, adjusted_rand_index, evaluate
from microsynth.grains import voronoi_labels
sys.path.insert(0, str(Path(__file__).parent))
from _timing import Candidate, compare, table


def voronoi_grains(size, n, rng):
    "Plain Voronoi grains (`grains.voronoi_labels`), 0 where the 3x3 neighbourhood holds two grains."
    lab = voronoi_labels(size, n, rng)
    return np.where(ndimage.grey_dilation(lab, 3) != ndimage.grey_erosion(lab, 3), 0, lab)


def ap_loops(gt, pred, ths=np.arange(0.5, 1.0, 0.05)):
    "Baseline: one boolean-mask IoU per object pair, Hungarian per threshold."
    g, p = [i for i in np.unique(gt) if i], [j for j in np.unique(pred) if j]
    m = np.array([[((gt == i) & (pred == j)).sum() / ((gt == i) | (pred == j)).sum() for j in p] for i in g])
    tp = [(h := (m > t).astype(float))[linear_sum_assignment(h, maximize=True)].sum() for t in ths]
    return float(np.mean([x / (len(g) + len(p) - x) for x in tp]))


def over(f, pairs): return Candidate(getattr(f, '__name__', 'f'), lambda: [f(x, y) for x, y in pairs], len(pairs))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--size', type=int, default=256); ap.add_argument('--grains', type=int, default=60); ap.add_argument('--n', type=int, default=20)
    ap.add_argument('--repeats', type=int, default=5)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    pairs = [(g, np.roll(g, 1, 1)) for g in (voronoi_grains(a.size, a.grains, rng) for _ in range(a.n))]
    masks = [((g == 0).astype(np.uint8), (p == 0).astype(np.uint8)) for g, p in pairs]
    print(f"{a.n} label images {a.size}x{a.size}, ~{a.grains} grains")
    # the loop baseline costs grains^2 full-image passes: time it on a couple of images only, and not at all when huge
    cs = [over(ap_loops, pairs[:2])] if a.grains**2 * a.size**2 <= 4e9 else []
    print(table(compare(cs + [over(average_precision, pairs)], a.repeats, warmup=1), 'images'))
    skl = lambda x, y: adjusted_rand_score(x.ravel(), y.ravel()); skl.__name__ = 'sklearn adjusted_rand_score'
    print(table(compare([over(skl, pairs), over(adjusted_rand_index, pairs)], a.repeats, warmup=1), 'images'))
    print(table(compare([over(evaluate, masks)], a.repeats, warmup=1), 'images'))
