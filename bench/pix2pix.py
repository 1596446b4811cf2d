"""Training speed of pix2pix at 256x256, batch 1, on the CPU, with the reference networks (unet_256 + 70x70 PatchGAN, ngf=ndf=64).

Prints seconds per training iteration (one D step + one G step, as the reference `optimize_parameters`) for the
default memory layout, for channels_last, and with bfloat16 autocast (forward passes in bf16, losses and weights in
float32: `microsynth.precision`), and the ratio against the reference implementation's ~1.0 s/iteration
measured on this machine (issue 5). Run: `python bench/pix2pix.py [--iters N] [--threads T]`.
"""
import argparse, os, time
# Idle OpenMP threads spin by default; on a shared machine with more runnable processes than cores a spinning
# thread holds a core its partner needs, and an iteration gets ~20x slower (measured here: 4.9 s vs 0.16 s for a
# small pix2pix step). Passive waiting must be chosen before torch loads its OpenMP runtime (as the microsynth command does).
from microsynth.runner import thread_settings
thread_settings()
import torch
from microsynth.core import record
from microsynth.pix2pix import Pix2Pix, default_config, n_params
from microsynth.precision import cpu_has_bf16

REFERENCE_S_PER_ITER = 1.0  # junyanz/pytorch-CycleGAN-and-pix2pix, 256^2, batch 1, this CPU (issue 5)

def bench(iters:int, warmup:int, channels_last:bool, in_ch:int, bf16:bool=False) -> float:
    run = Pix2Pix(default_config(in_ch=in_ch, out_ch=3, num_downs=8, ngf=64, ndf=64, bs=1), bf16=bf16)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    run.G.to(memory_format=fmt); run.D.to(memory_format=fmt)
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(1, in_ch, 256, 256, generator=g) > 0.8).float() * 2 - 1
    y = torch.rand(1, 3, 256, 256, generator=g) * 2 - 1
    x, y = x.contiguous(memory_format=fmt), y.contiguous(memory_format=fmt)
    for _ in range(warmup): run.step(x, y)
    times, c0 = [], time.process_time()
    for _ in range(iters):
        t = time.perf_counter(); run.step(x, y); times.append(time.perf_counter() - t)
    cpu = (time.process_time() - c0) / iters
    times.sort()
    return times[len(times) // 2], cpu  # median wall: the machine is shared, the mean would measure the neighbours

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--iters', type=int, default=10); ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--in_ch', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    run = Pix2Pix(default_config(in_ch=a.in_ch))
    print(f"torch {torch.__version__}, {a.threads} threads, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, mkldnn {torch.backends.mkldnn.is_available()}; "
          f"G {n_params(run.G):,} params, D {n_params(run.D):,} params, input channels {a.in_ch}")
    del run
    for name, cl, bf16 in (('contiguous', False, False), ('channels_last', True, False), ('bf16 autocast', False, True)):
        if bf16 and not cpu_has_bf16(): print(f"{name:14s}: skipped (this CPU has no native bfloat16)"); continue
        s, cpu = bench(a.iters, a.warmup, cl, a.in_ch, bf16)
        # CPU seconds / threads is what the wall time would be with the cores to ourselves (the machine is shared)
        print(f"{name:14s}: {s:.3f} s/iteration (median wall), {1/s:.2f} it/s, "
              f"{REFERENCE_S_PER_ITER / s:.2f}x the reference's {REFERENCE_S_PER_ITER:.1f} s/iteration; "
              f"CPU {cpu:.2f} s/iteration = {cpu / a.threads:.2f} s on {a.threads} free cores "
              f"({REFERENCE_S_PER_ITER / (cpu / a.threads):.2f}x the reference)")
        if name == 'contiguous':
            record('pix2pix_bench_s_per_iter_256', round(s, 3))
            record('pix2pix_bench_cpu_s_per_iter_256', round(cpu, 3))
