"U-Net training on 2 CPU processes through torchrun and fastai's distributed API: it finishes, the ranks agree on the weights, rank 0 alone saves."
import hashlib, inspect, os, subprocess, sys, textwrap
from pathlib import Path
import pytest, torch
from fastai.distributed import DistributedDL, DistributedTrainer

ROOT = Path(__file__).resolve().parents[1]

def test_the_cpu_adaptation_still_matches_fastai():
    "distributed.distrib_ctx replaces DistributedDL._broadcast and turns sync_bn off on CPUs: if fastai changes either, revisit it."
    src = inspect.getsource(DistributedDL._broadcast)
    assert '.cuda()' in src and 'torch.distributed.broadcast(t,rank)' in src, src  # fastai still broadcasts through CUDA only
    assert hashlib.sha256(src.encode()).hexdigest()[:16] == 'b73ee1d82b806fb8', 'fastai changed DistributedDL._broadcast: check distributed._broadcast_cpu'
    assert 'convert_sync_batchnorm(self.model) if self.sync_bn' in inspect.getsource(DistributedTrainer.before_fit)

def test_broadcast_cpu_on_a_gloo_group(tmp_path):
    "The replacement broadcasts on a CPU process group (here of one process) and gives back the list."
    from microsynth.distributed import _broadcast_cpu
    torch.distributed.init_process_group('gloo', init_method=f'file://{tmp_path/"store"}', rank=0, world_size=1)
    try: assert _broadcast_cpu(None, [3, 1, 2], 0) == [3, 1, 2]
    finally: torch.distributed.destroy_process_group()

SCRIPT = r'''
import os, sys, torch
import microsynth.seg_learner as seg
real_save = seg.save_model
def save_model(*a, **kw):  # record which rank saved
    open(os.path.join(sys.argv[2], f"saved-by-rank{os.environ['RANK']}"), 'w').close(); return real_save(*a, **kw)
seg.save_model = save_model
from fastai.callback.core import Callback
class Seen(Callback):  # what each rank trains: the model's wrapper and its number of batches per epoch
    def before_train(self): open(os.path.join(sys.argv[2], f"seen-rank{os.environ['RANK']}"), 'a').write(f"{type(self.learn.model).__name__} {len(self.learn.dl)}\n")
real_make = seg.make_learner
seg.make_learner = lambda *a, **kw: real_make(*a, **kw).add_cb(Seen())
learn = seg.train_datasets(sys.argv[1], os.path.join(sys.argv[2], 'model'), crop=32, epochs=1, bs=2, seed=1)
torch.save({k: v.detach().cpu() for k, v in learn.model.state_dict().items()}, os.path.join(sys.argv[2], f"weights-rank{os.environ['RANK']}.pt"))
'''

def test_two_processes_train_agree_and_rank0_saves(tmp_path):
    from microsynth.grains_generate import generate
    from microsynth.seg_learner import load_model
    data = generate(10, tmp_path/'grains', size=48, seed=2)
    (tmp_path/'train.py').write_text(SCRIPT); out = tmp_path/'out'; out.mkdir()
    env = {**os.environ, 'PYTHONPATH': str(ROOT), 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([str(Path(sys.executable).parent/'torchrun'), '--standalone', '--nproc_per_node', '2', str(tmp_path/'train.py'), str(data), str(out)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir() if p.name.startswith('saved-by')) == ['saved-by-rank0']
    # 8 training samples in batches of 2 = 4 batches an epoch, shared out: each process trains on 2 through DDP
    assert [(out/f'seen-rank{i}').read_text() for i in (0, 1)] == ['DistributedDataParallel 2\n'] * 2
    w0, w1 = (torch.load(out/f'weights-rank{i}.pt') for i in (0, 1))
    assert w0.keys() == w1.keys() and all(torch.equal(w0[k], w1[k]) for k in w0)  # parameters and BatchNorm statistics alike
    model, cfg = load_model(out/'model')
    assert cfg['crop'] == 32 and all(torch.equal(v, w0[k]) for k, v in model.state_dict().items())
