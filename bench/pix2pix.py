"""Training speed of pix2pix at 256x256, batch 1, on the CPU, with the reference networks (unet_256 + 70x70 PatchGAN,
ngf=ndf=64), against the reference recipe timed in the same run.

The reference recipe (junyanz/pytorch-CycleGAN-and-pix2pix `optimize_parameters`, written out below on our copies of
its networks, whose parameter counts tests/test_pix2pix.py pins to the reference's): float32, the default memory
layout, `torch.optim.Adam` with its default per-tensor loop; fake = G(x), D step on (fake.detach(), real), G step
with D frozen. Ours is `Pix2Pix.step`: the same iteration with bfloat16 autocast where the CPU computes it natively
(`microsynth.precision`) and fused Adam. Each lever is also timed alone, and channels_last on top.

    python bench/pix2pix.py [--iters 2] [--repeats 5] [--threads 2] [--in_ch 1]

Prints median and spread of the repeats (candidates in turns), wall and CPU seconds per iteration, and ratios.
"""
import argparse, os, sys
from pathlib import Path
from microsynth.runner import thread_settings
thread_settings()  # passive OpenMP waiting, chosen before torch loads its runtime (as the microsynth command does)
import torch
from torch import nn
from microsynth.core import record
from microsynth.pix2pix import Pix2Pix, default_config, n_params
from microsynth.precision import cpu_has_bf16
sys.path.insert(0, str(Path(__file__).parent))
from _timing import Candidate, compare, table

def reference_step(run:Pix2Pix, x, y, bce=nn.BCEWithLogitsLoss(), l1=nn.L1Loss()):
    "One iteration of the reference recipe on `run`'s networks and optimizers, in float32."
    fake = run.G(x)
    run.D.requires_grad_(True); run.opt_D.zero_grad()
    pred_fake = run.D(torch.cat((x, fake.detach()), 1)); pred_real = run.D(torch.cat((x, y), 1))
    loss_D = (bce(pred_fake, torch.zeros_like(pred_fake)) + bce(pred_real, torch.ones_like(pred_real))) * 0.5
    loss_D.backward(); run.opt_D.step()
    run.D.requires_grad_(False); run.opt_G.zero_grad()
    pred_fake = run.D(torch.cat((x, fake), 1))
    loss_G = bce(pred_fake, torch.ones_like(pred_fake)) + l1(fake, y) * run.cfg['lam']
    loss_G.backward(); run.opt_G.step()

def make(in_ch, bf16, fused, channels_last=False) -> Pix2Pix:
    run = Pix2Pix(default_config(in_ch=in_ch, out_ch=3, num_downs=8, ngf=64, ndf=64, bs=1), bf16=bf16)
    for opt in (run.opt_G, run.opt_D): opt.param_groups[0]['fused'] = fused or None
    if channels_last: run.G.to(memory_format=torch.channels_last); run.D.to(memory_format=torch.channels_last)
    return run

def candidate(name, step, run, x, y, iters, channels_last=False):
    if channels_last: x, y = x.contiguous(memory_format=torch.channels_last), y.contiguous(memory_format=torch.channels_last)
    def f():
        for _ in range(iters): step(run, x, y)
    return Candidate(name, f, iters)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--iters', type=int, default=2, help='iterations per repeat'); ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--in_ch', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    bf16 = cpu_has_bf16()
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(1, a.in_ch, 256, 256, generator=g) > 0.8).float() * 2 - 1
    y = torch.rand(1, 3, 256, 256, generator=g) * 2 - 1
    ref = make(a.in_ch, False, False)
    print(f"torch {torch.__version__}, {a.threads} threads, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, native bfloat16 {bf16}; "
          f"G {n_params(ref.G):,} params, D {n_params(ref.D):,} params, input channels {a.in_ch}, {a.iters} iterations per repeat")
    ours = lambda run, x, y: run.step(x, y)
    cs = [candidate('reference recipe (float32)', reference_step, ref, x, y, a.iters),
          candidate('ours: Pix2Pix.step', ours, make(a.in_ch, None, True), x, y, a.iters),
          candidate('fused Adam only', ours, make(a.in_ch, False, True), x, y, a.iters)]
    if bf16: cs.append(candidate('bf16 autocast only', ours, make(a.in_ch, True, False), x, y, a.iters))
    cs.append(candidate('ours + channels_last', ours, make(a.in_ch, None, True, True), x, y, a.iters, True))
    print(table(compare(cs, a.repeats, warmup=1), 'iterations'))
    print(f"ours: {cs[1].median / a.iters:.3f} s/iteration, {cs[1].rate / cs[0].rate:.2f}x the reference recipe's speed (target >= 1.5x), "
          f"{cs[1].cpu_rate / cs[0].cpu_rate:.2f}x per CPU-second")
    record('pix2pix_bench_s_per_iter_256', round(cs[1].median / a.iters, 3))
    record('pix2pix_bench_speedup_vs_reference_256', round(cs[1].rate / cs[0].rate, 2))
