"""Throughput of the grain metrics: images/s of `average_precision` and `adjusted_rand_index`, with ratios
against a per-object loop (the obvious implementation) and scikit-learn's ARI.

    python bench/metrics.py [--size 256] [--grains 60] [--n 20]
"""
import argparse, time
import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score
from microsynth.metrics import average_precision, adjusted_rand_index, evaluate
from microsynth.grains import voronoi_labels


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


def rate(f, pairs):
    t = time.perf_counter()
    for a, b in pairs: f(a, b)
    return len(pairs) / (time.perf_counter() - t)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--size', type=int, default=256); ap.add_argument('--grains', type=int, default=60); ap.add_argument('--n', type=int, default=20)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    pairs = [(g, np.roll(g, 1, 1)) for g in (voronoi_grains(a.size, a.grains, rng) for _ in range(a.n))]
    masks = [((g == 0).astype(np.uint8), (p == 0).astype(np.uint8)) for g, p in pairs]
    # the loop baseline costs grains^2 full-image passes: time it on a couple of images only, and not at all when huge
    r_ap = rate(average_precision, pairs)
    r_loop = rate(ap_loops, pairs[:2]) if a.grains**2 * a.size**2 <= 4e9 else float('nan')
    r_ari, r_skl = rate(adjusted_rand_index, pairs), rate(lambda x, y: adjusted_rand_score(x.ravel(), y.ravel()), pairs)
    r_ev = rate(evaluate, masks)
    print(f"{a.n} label images {a.size}x{a.size}, ~{a.grains} grains")
    print(f"average_precision   {r_ap:8.1f} img/s   per-object loops {r_loop:8.2f} img/s   ratio {r_ap / r_loop:6.1f}x")
    print(f"adjusted_rand_index {r_ari:8.1f} img/s   sklearn          {r_skl:8.1f} img/s   ratio {r_ari / r_skl:6.1f}x")
    print(f"evaluate (all metrics from two boundary masks) {r_ev:8.1f} img/s")
