"""Training step time of the segmentation U-Net on the CPU: float32 against bfloat16 autocast, or (with --against)
one U-Net against another in float32, in the same run.

The loop is the project's own: `stage_dls` (mixed real + synthetic batches, fastai augmentation) and `make_learner`
(the CPU U-Net or a fastai ResNet-U-Net, `BoundaryLoss`), trained with `fit` for a few batches. The images are random
(the time of a step does not depend on them). float32 and bfloat16 epochs alternate, so a busy neighbour slows both
alike; each prints the median and spread of the repeats, wall and CPU time, and the ratio.

    python bench/segmentation.py [--arch resnet18] [--size 128] [--bs 8] [--steps 5] [--repeats 5] [--threads 2]
    python bench/segmentation.py --arch unet_cpu --against resnet18   # the CPU U-Net against the resnet18 one, float32
"""
import argparse, os, sys, time
from pathlib import Path
from microsynth.runner import thread_settings
thread_settings()  # before torch loads its OpenMP runtime (see bench/pix2pix.py)
import numpy as np, torch
from fastai.callback.core import Callback
from microsynth.precision import cpu_has_bf16
from microsynth.seg_data import Sample, stage_dls
from microsynth.seg_learner import make_learner
sys.path.insert(0, str(Path(__file__).parent))
from _timing import Candidate, load, table


def samples(n, size, seed=0):
    rng = np.random.default_rng(seed)
    return [Sample(f's{i}', rng.integers(0, 256, (size, size, 3), dtype=np.uint8), (rng.random((size, size)) < 0.1).astype(np.uint8), True) for i in range(n)]


def learner(bf16, arch, size, bs, steps):
    pool = samples(2 * bs, size)
    dls = stage_dls(pool[:bs], pool[bs:], pool[:2], crop=size, size=size, bs=bs, n_batches=steps)
    return make_learner(dls, arch, pretrained=False, bf16=bf16)


class TrainTimer(Callback):
    "Wall and CPU time of the training half of an epoch (data loading, forward, loss, backward, step), validation left out."
    def before_train(self): self.w, self.c = time.perf_counter(), time.process_time()
    def after_train(self): self.wall, self.cpu = time.perf_counter() - self.w, time.process_time() - self.c


def epoch_time(learn, steps):
    "Wall and CPU seconds per training step of one epoch of `steps` batches."
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3, cbs=(t := TrainTimer()))
    return t.wall / steps, t.cpu / steps


def timed(learns:dict, steps:int, repeats:int) -> dict:
    "A `Candidate` per learner of `learns` {name: learner}, their training epochs timed in turns after one warm-up epoch each."
    for l in learns.values(): epoch_time(l, steps)  # warm-up: first-call allocations and kernel selection
    cs = {k: Candidate(k, None, steps) for k in learns}  # timed by TrainTimer: the training half only
    for _ in range(repeats):
        for k, l in learns.items():
            w, c = epoch_time(l, steps)
            cs[k].wall.append(w * steps)
            cs[k].cpu.append(c * steps)
            cs[k].loads.append(load())
    return cs


def against(a):
    "`a.arch` against `a.against`, both in float32: how many times the steps per second."
    learns = {a.arch: learner(False, a.arch, a.size, a.bs, a.steps), a.against: learner(False, a.against, a.size, a.bs, a.steps)}
    cs = timed(learns, a.steps, a.repeats)
    print(table(list(cs.values()), 'steps'))
    print(f"{a.arch} takes {cs[a.arch].rate / cs[a.against].rate:.2f}x the steps per second of {a.against} (wall, medians, float32); "
          f"{cs[a.arch].cpu_rate / cs[a.against].cpu_rate:.2f}x in CPU time")


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--arch', default='resnet18'); ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--bs', type=int, default=8); ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--repeats', type=int, default=5); ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--force-bf16', action='store_true', help='time bfloat16 even where the CPU only emulates it (slow)')
    ap.add_argument('--against', metavar='ARCH', help='time --arch against this U-Net in float32 instead of float32 against bfloat16')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.against:
        print(f"torch {torch.__version__}, {a.threads} threads, batch {a.bs}x{a.size}², {a.steps} steps per epoch, {a.repeats} repeats, float32")
        against(a)
        raise SystemExit(0)
    print(f"torch {torch.__version__}, {a.threads} threads, {a.arch} U-Net, batch {a.bs}x{a.size}², {a.steps} steps per epoch, "
          f"{a.repeats} repeats; this CPU computes bfloat16 natively: {cpu_has_bf16()}")
    if not cpu_has_bf16() and not a.force_bf16:
        # without AVX512-BF16/AMX, torch emulates bfloat16 matmuls: many times slower than float32, and training stays in float32
        print("no native bfloat16 on this CPU (no avx512_bf16/amx_bf16 flag): microsynth trains in float32 here; "
              "nothing to compare (--force-bf16 times the emulated path anyway)")
        raise SystemExit(0)
    learns = {'float32': learner(False, a.arch, a.size, a.bs, a.steps), 'bfloat16': learner(True, a.arch, a.size, a.bs, a.steps)}
    cs = timed(learns, a.steps, a.repeats)
    print(table(list(cs.values()), 'steps'))
    print(f"bfloat16 is {cs['bfloat16'].rate / cs['float32'].rate:.2f}x faster than float32 per step (wall, medians); {cs['bfloat16'].cpu_rate / cs['float32'].cpu_rate:.2f}x in CPU time")
