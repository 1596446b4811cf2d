"""numba against torch Potts (`potts_stats.engine_runs`): 64^3, 52 MCS, kT 0.5, unique ids, 5 seeds each; writes agreement.json here.

    python results/potts-torch/agreement.py [--device cpu] [--size 64] [--mcs 52] [--seeds 5] [--spacing 8]
"""
import argparse, datetime, json, platform, shlex, sys, time
from pathlib import Path
from microsynth.runner import thread_settings
thread_settings()  # numba's workqueue layer (as the microsynth command): before numba loads
import torch
from microsynth.potts_stats import engine_runs, engine_agreement

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--size', type=int, default=64)
    ap.add_argument('--mcs', type=int, default=52)
    ap.add_argument('--seeds', type=int, default=5)
    ap.add_argument('--spacing', type=int, default=8)
    ap.add_argument('--fit-from', type=float, default=8)
    ap.add_argument('--out', default=str(Path(__file__).parent/'agreement.json'))
    a = ap.parse_args()
    points = sorted({*[2**i for i in range(1, 12) if 2**i < a.mcs], a.mcs})
    t0 = time.perf_counter()
    runs, areas = engine_runs((a.size,) * 3, points, kT=0.5, seeds=range(a.seeds), spacing=a.spacing, fit_from=a.fit_from, device=a.device)
    agree = engine_agreement(runs, areas)
    out = dict(command=shlex.join(['python', *sys.argv]), finished=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC'),
               machine=f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}",
               seconds=round(time.perf_counter() - t0, 1), size=a.size, mcs=a.mcs, kT=0.5, seeds=a.seeds, spacing=a.spacing, fit_from=a.fit_from,
               checkpoints=points, device=a.device, agreement=agree, runs=runs.to_dict(orient='records'))
    Path(a.out).write_text(json.dumps(out, indent=1) + '\n')
    print(runs.to_string())
    print(json.dumps(agree, indent=1))

if __name__ == '__main__': main()
