"""Throughput of `microsynth.grains.render` at 512x512 against a straightforward implementation of the same recipe.

The baseline (kept here, not in the library) does each step the obvious way: `scipy.spatial.Voronoi` of the
seeds, one `CubicSpline` per edge drawn segment by segment with `skimage.draw.line`, a morphological dilation,
and the Perlin texture from `noise.pnoise2` called at every pixel. A second baseline is our `render` with only the
Perlin step swapped for per-pixel `pnoise2`, which isolates what the node grid buys.

    python bench/grains.py [--n 30] [--size 512] [--workers 2]

Prints images/s (wall and per CPU-second of this process: the machine may be shared) and the ratios.
"""
import argparse, math, os, time
from concurrent.futures import ProcessPoolExecutor
import numpy as np, noise
from scipy import ndimage
from scipy.interpolate import CubicSpline
from scipy.spatial import Voronoi, cKDTree
from skimage.draw import line
import microsynth.grains as G
from microsynth.grains import GrainParams, render

def perlin_per_pixel(H, W, lam, octaves, persistence, periodic, rng, S=6):
    "The Perlin step with `pnoise2` at every pixel (periodic images use pnoise2's repeat)."
    o = rng.integers(0, 256 * S, 2) / S
    if periodic:
        nx, ny = max(1, round(W / lam[0])), max(1, round(H / lam[1]))
        return np.array([[noise.pnoise2((i + .5) * nx / W + o[0], (j + .5) * ny / H + o[1], octaves=octaves, persistence=persistence,
                                        repeatx=nx, repeaty=ny) for i in range(W)] for j in range(H)], np.float32)
    return np.array([[noise.pnoise2((i + .5) / lam[0] + o[0], (j + .5) / lam[1] + o[1], octaves=octaves, persistence=persistence)
                      for i in range(W)] for j in range(H)], np.float32)

def straightforward(p:GrainParams, size=512, seed=0):
    "The recipe done the obvious way (non-periodic): same knobs, same kind of picture, not the same bytes."
    rng = np.random.default_rng(seed); H = W = size
    d = p.diameter(size); pad = d + p.boundary_width; L = size + 2 * pad
    n = max(1, round(p.n_grains * L * L / (H * W)))
    pts = rng.random((n, 2)) * L - pad
    cloud = rng.random((8 * n, 2)) * L - pad
    for _ in range(p.lloyd_steps):                       # centroids of the cloud points nearest each seed
        _, idx = cKDTree(pts).query(cloud)
        for i in range(n):
            sel = cloud[idx == i]
            if len(sel): pts[i] = sel.mean(0)
    vor = Voronoi(pts)
    thin = np.zeros((H, W), bool)
    for (a, b), (u, w) in zip(vor.ridge_points, vor.ridge_vertices):
        if u < 0 or w < 0: continue
        v0, v1 = vor.vertices[u], vor.vertices[w]; e = v1 - v0; ln = np.hypot(*e)
        if ln == 0: continue
        nrm = np.array([-e[1], e[0]]) / ln
        dk = np.r_[0, rng.uniform(-1, 1, p.spline_points) * p.spline_amp * ln, 0]
        cs = CubicSpline(np.linspace(0, 1, p.spline_points + 2), dk, bc_type='natural')
        ts = np.linspace(0, 1, 12); c = v0 + ts[:, None] * e + cs(ts)[:, None] * nrm
        for (x0, y0), (x1, y1) in zip(c[:-1], c[1:]):
            rr, cc = line(int(y0), int(x0), int(y1), int(x1))
            ok = (rr >= 0) & (rr < H) & (cc >= 0) & (cc < W); thin[rr[ok], cc[ok]] = True
    r = (p.boundary_width - 1) / 2; yy, xx = np.mgrid[-math.ceil(r):math.ceil(r) + 1, -math.ceil(r):math.ceil(r) + 1]
    mask = ndimage.binary_dilation(thin, xx**2 + yy**2 <= r * r + 1e-9) if p.boundary_width > 1 else thin
    lab, k = ndimage.label(~mask)
    grey = rng.uniform(p.grain_mean - p.grain_spread, p.grain_mean + p.grain_spread, k + 1)
    img = grey[lab]; img[mask] = p.boundary_intensity
    lam = p.perlin_wavelength * d
    img = img + p.perlin_amp * perlin_per_pixel(H, W, (lam, lam), p.perlin_octaves, p.perlin_persistence, False, rng)
    img = img + p.white_noise * rng.standard_normal((H, W))
    if p.blur_ksize > 1:
        rr_ = p.blur_ksize // 2; s = .3 * (rr_ - 1) + .8; img = ndimage.gaussian_filter(img, s, truncate=rr_ / s)
    return np.clip(img * 255 + .5, 0, 255).astype(np.uint8), mask.astype(np.uint8), lab

def per_pixel_render(p, size, seed):
    "Our render with only the Perlin step swapped for per-pixel pnoise2."
    old = G.perlin; G.perlin = perlin_per_pixel
    try: return render(p, size, seed)
    finally: G.perlin = old

def timed(fn, ps, size):
    w, c = time.perf_counter(), time.process_time()
    for i, p in enumerate(ps): fn(p, size, i)
    return (time.perf_counter() - w) / len(ps), (time.process_time() - c) / len(ps)

def _chunk(args):
    ps, size, off = args
    for i, p in enumerate(ps): render(p, size, off + i)
    return len(ps)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=30); ap.add_argument('--size', type=int, default=512)
    ap.add_argument('--n_baseline', type=int, default=4); ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    ps = [GrainParams.sample(rng, a.size) for _ in range(a.n)]       # random scenarios, non-periodic (the default)
    G.perlin_table(6); render(ps[0], a.size, 0)                      # one-off: the pnoise2 node table (~1 s per process)
    print(f'load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {a.n} random scenarios at {a.size}x{a.size}, '
          f'{np.mean([p.n_grains for p in ps]):.0f} grains on average')
    ours_w, ours_c = timed(render, ps, a.size)
    print(f'render:               {1/ours_w:6.1f} images/s wall, {1/ours_c:6.1f} per CPU-second ({1e3*ours_c:.0f} ms CPU/image)')
    k = a.n_baseline
    b1_w, b1_c = timed(per_pixel_render, ps[:k], a.size)
    print(f'render, per-pixel Perlin: {1/b1_w:5.2f} images/s wall, {1/b1_c:5.2f} per CPU-second -> ours {b1_c/ours_c:.1f}x (CPU), {b1_w/ours_w:.1f}x (wall)')
    b2_w, b2_c = timed(straightforward, ps[:k], a.size)
    print(f'straightforward:      {1/b2_w:6.2f} images/s wall, {1/b2_c:6.2f} per CPU-second -> ours {b2_c/ours_c:.1f}x (CPU), {b2_w/ours_w:.1f}x (wall)')
    if a.workers > 1:
        chunks = [(ps[i::a.workers], a.size, 1000 * i) for i in range(a.workers)]
        with ProcessPoolExecutor(a.workers) as ex:
            list(ex.map(_chunk, [([ps[0]], a.size, 0)] * a.workers))  # warm up: imports and the node table in each worker
            t = time.perf_counter(); done = sum(ex.map(_chunk, chunks)); dt = time.perf_counter() - t
        print(f'render, {a.workers} processes:   {done/dt:6.1f} images/s wall')

if __name__ == '__main__': main()
