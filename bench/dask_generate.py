"""Throughput of grain-dataset generation on a Dask cluster of 2 worker processes against the process-pool path.

Both write the same dataset (`grains_generate.generate`, same seed, same bytes): once with `workers=2` (a
`ProcessPoolExecutor`, started by each call, as a user runs it) and once with `client=` a `LocalCluster` of 2
worker processes with one thread each (started once, before the timing, as a cluster is). Each repeat writes into
a fresh folder; the two paths alternate, after one untimed warm-up run of each (imports, numba caches).

    python bench/dask_generate.py [--n 64] [--size 512] [--repeats 7]

Prints, per path, the median wall time per run with its spread (min-max), images/s, the CPU seconds and the minor
page faults per image of the whole process tree (this process, the pool's workers, the cluster's nannies and
workers; faults on Linux only), and the ratio Dask / pool
of the median throughputs, measured in this same run; also the median of the per-repeat ratios (the two paths
back to back, which a machine shared with other jobs disturbs least) and the ratio per CPU second.
"""
import argparse, os, resource, shutil, statistics, tempfile, time
from pathlib import Path
import psutil
from microsynth.grains_generate import generate

def _minflt(pid) -> int:
    "Minor page faults of live process `pid` (0 without /proc)."
    try: return int(Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[7])  # field 10, minflt
    except (OSError, IndexError, ValueError): return 0

def tree_usage() -> tuple:
    "CPU seconds (user + system) and minor page faults of this process, its finished children and its live descendants."
    me, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, faults = me.ru_utime + me.ru_stime + c.ru_utime + c.ru_stime, me.ru_minflt + c.ru_minflt
    for p in psutil.Process().children(recursive=True):
        try: ct = p.cpu_times(); cpu += ct.user + ct.system; faults += _minflt(p.pid)
        except psutil.Error: pass
    return cpu, faults

def run_once(n, size, tmp, **kw):
    out = Path(tempfile.mkdtemp(dir=tmp))/'ds'
    (c, f), w = tree_usage(), time.perf_counter()
    generate(n, out, size=size, seed=0, **kw)
    (c1, f1), w = tree_usage(), time.perf_counter() - w
    shutil.rmtree(out.parent)
    return w, c1 - c, f1 - f

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=64); ap.add_argument('--size', type=int, default=512); ap.add_argument('--repeats', type=int, default=7)
    a = ap.parse_args()
    from distributed import Client, LocalCluster
    with tempfile.TemporaryDirectory() as tmp, LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        paths = dict(pool=dict(workers=2), dask=dict(client=client))
        for kw in paths.values(): run_once(a.n, a.size, tmp, **kw)  # warm-up
        res = {k: [] for k in paths}
        for _ in range(a.repeats):
            for k, kw in paths.items(): res[k].append(run_once(a.n, a.size, tmp, **kw))
    print(f"{a.n} grain images of {a.size}² per run, {a.repeats} repeats, 2 workers; load average {os.getloadavg()[0]:.2f} at the end")
    med = {}
    for k, rs in res.items():
        walls = [w for w, *_ in rs]; med[k] = statistics.median(walls)
        print(f"  {k:<5} wall {med[k]:.3f} s/run (spread {min(walls):.3f}-{max(walls):.3f}), {a.n / med[k]:.1f} images/s, "
              f"CPU {statistics.median(c for _, c, _ in rs):.2f} s/run, {statistics.median(f for *_, f in rs) / a.n:,.0f} page faults/image")
    paired = [p[0] / d[0] for p, d in zip(res['pool'], res['dask'])]  # the two runs of one repeat, back to back
    print(f"  throughput dask / pool: {med['pool'] / med['dask']:.3f} (ratio of medians); per repeat: median {statistics.median(paired):.3f}, "
          f"spread {min(paired):.3f}-{max(paired):.3f}; per CPU second: {statistics.median(c for _, c, _ in res['pool']) / statistics.median(c for _, c, _ in res['dask']):.3f}")

if __name__ == '__main__': main()
