"""Throughput of the grain recipe at 512x512: `microsynth.grains.render` against a straightforward implementation of
the same recipe, and `grains_generate.generate` writing a dataset to disk against rendering the same samples in memory.

The straightforward baseline (kept here, not in the library) does each step the obvious way: `scipy.spatial.Voronoi`
of the seeds, one `CubicSpline` per edge drawn segment by segment with `skimage.draw.line`, a morphological dilation,
and the Perlin texture from `noise.pnoise2` called at every pixel. A second baseline is our `render` with only the
Perlin step swapped for per-pixel `pnoise2`, which isolates what the node grid buys.

The second table times, with `--workers` processes, rendering samples 0..n-1 in memory (the baseline: what writing
could at best keep up with), `generate` writing the same samples to disk (PNG encoded and written in the workers),
and `generate` with Pillow's PNG encoder at zlib level 6 instead of `images.png_bytes` (what the PNG encoder buys).

    python bench/grains.py [--n 60] [--size 512] [--workers 2] [--repeats 5] [--n_baseline 2]

Each table: median and spread of the repeats (timed in turns), wall and CPU seconds (workers included), ratios.
"""
import argparse, math, os, sys, tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import numpy as np, noise
from scipy import ndimage
from scipy.interpolate import CubicSpline
from scipy.spatial import Voronoi, cKDTree
from skimage.draw import line
import microsynth.images as images
import microsynth.grains as G
from microsynth.grains import GrainParams, render
from microsynth.grains_generate import generate, render_sample
sys.path.insert(0, str(Path(__file__).parent))
from _timing import Candidate, compare, table

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

def _render_only(args):
    "Render sample `i` of `generate`'s dataset and drop it: the in-memory baseline."
    render_sample(*args); return 1

def single_process(a, ps):
    "Table 1: one process, our render against the per-pixel-Perlin and straightforward baselines."
    k = a.n_baseline
    many = lambda fn, qs: (lambda: [fn(p, a.size, i) for i, p in enumerate(qs)])
    cs = compare([Candidate('straightforward', many(straightforward, ps[:k]), k),
                  Candidate('per-pixel Perlin', many(per_pixel_render, ps[:k]), k),
                  Candidate('render (ours)', many(render, ps), len(ps))], a.repeats, warmup=0)
    print(table(cs, 'images'))

def pillow_png(arr):
    "The encoder before `images.png_bytes`: Pillow at zlib level 6, each row's filter chosen adaptively."
    import io
    from PIL import Image
    arr = np.asarray(arr); buf = io.BytesIO()
    Image.fromarray(arr if arr.dtype == np.uint8 else arr.astype(np.uint16)).save(buf, format='PNG', compress_level=6)
    return buf.getvalue()

def to_disk(a, tmp):
    "Table 2: `workers` processes, rendering in memory against `generate` to disk (the library's PNG encoder, and Pillow at level 6)."
    runs = iter(range(10**6))
    def gen(encoder):
        def f():
            old = images.png_bytes; images.png_bytes = encoder  # forked workers inherit the encoder
            try: generate(a.n, Path(tmp)/f'run{next(runs)}', size=a.size, seed=a.seed, workers=a.workers)
            finally: images.png_bytes = old
        return f
    with ProcessPoolExecutor(a.workers) as ex:
        jobs = [(i, a.seed, a.size) for i in range(a.n)]
        mem = lambda: sum(ex.map(_render_only, jobs, chunksize=max(1, min(4, a.n // (8 * a.workers)))))  # the chunks of distributed.run_tasks
        cs = compare([Candidate('render in memory', mem, a.n, pids=lambda: list(ex._processes)),
                      Candidate('generate to disk', gen(images.png_bytes), a.n),
                      Candidate('... Pillow PNG level 6', gen(pillow_png), a.n)], a.repeats, warmup=1)
    print(table(cs, 'images'))
    print(f"generate to disk: {cs[1].rate:.1f} images/s = {100 * cs[1].rate / cs[0].rate:.0f}% of the in-memory rate, CPU {100 * cs[1].cpu_rate / cs[0].cpu_rate:.0f}% "
          f"(targets: >= 50 images/s and >= 60%); images.png_bytes vs Pillow level 6: {cs[1].rate / cs[2].rate:.2f}x")

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=60); ap.add_argument('--size', type=int, default=512)
    ap.add_argument('--n_baseline', type=int, default=2); ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--repeats', type=int, default=5); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--only', choices=('render', 'disk'), help='time one table only')
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    ps = [GrainParams.sample(rng, a.size) for _ in range(a.n)]       # random scenarios, non-periodic (the default)
    G.perlin_table(6); render(ps[0], a.size, 0)                      # one-off: the pnoise2 node table (~1 s), inherited by forked workers
    print(f"{a.n} random scenarios at {a.size}x{a.size}, {np.mean([p.n_grains for p in ps]):.0f} grains on average")
    if a.only != 'disk': single_process(a, ps)
    if a.only != 'render' and a.workers > 1:
        with tempfile.TemporaryDirectory() as tmp: to_disk(a, tmp)

if __name__ == '__main__': main()
