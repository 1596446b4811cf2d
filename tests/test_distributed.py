"Generation on a Dask cluster: the same bytes as without Dask for every generator, also when a worker dies mid-run."
import os, signal, sys
from pathlib import Path
import cloudpickle, pytest
from distributed import WorkerPlugin
from microsynth.core import read_failed
from microsynth.grains_generate import generate
from microsynth.potts import write_slices
from test_grains import same_tree

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module: send KillOnce by value

@pytest.fixture(scope='module')
def grains_here(tmp_path_factory): return generate(16, tmp_path_factory.mktemp('g')/'here', size=64, seed=3)

def test_grains_on_dask_equal_local_and_resume(dask_client, grains_here, tmp_path):
    same_tree(grains_here, generate(16, tmp_path/'dask', size=64, seed=3, client=dask_client))
    part = generate(5, tmp_path/'part', size=64, seed=3, workers=2)                   # begun in a process pool ...
    same_tree(grains_here, generate(16, part, size=64, seed=3, client=dask_client.scheduler.address))  # ... finished on the cluster, by address

def test_potts_sections_on_dask_equal_local(dask_client, tmp_path):
    kw = dict(size=12, mcs=3, seed=1, n_volumes=2, spacing=4)
    same_tree(write_slices(tmp_path/'here', **kw), write_slices(tmp_path/'dask', **kw, client=dask_client))

def test_translation_on_dask_equal_local(dask_client, tmp_path):
    import torch
    from microsynth.pix2pix import UnetGenerator, init_weights
    from microsynth.translate import make_voronoi_dataset, translate_dataset, weights_id
    torch.manual_seed(3); G = init_weights(UnetGenerator(1, 3, num_downs=5, ngf=4))  # a tiny untrained generator: the bytes, not the looks, are tested
    src = make_voronoi_dataset(tmp_path/'vor', n=4, size=32, n_grains=5, seed=1)
    here = translate_dataset(src, tmp_path/'here', G, weights_id(G), seed=2)
    same_tree(here, translate_dataset(src, tmp_path/'dask', G, weights_id(G), seed=2, client=dask_client))

class KillOnce(WorkerPlugin):
    "SIGKILL the worker process when the `nth` task starts on it, once in the whole cluster (the `marker` file, holding the dead pid, says it happened)."
    def __init__(self, marker, nth): self.marker, self.nth, self.started = str(marker), nth, 0
    def transition(self, key, start, finish, **kw):
        if finish != 'executing': return
        self.started += 1
        if self.started < self.nth: return
        try: fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError: return
        os.write(fd, str(os.getpid()).encode()); os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)

def test_a_worker_killed_mid_run_still_gives_the_same_dataset(dask_client, grains_here, tmp_path):
    marker = tmp_path/'killed'
    dask_client.register_plugin(KillOnce(marker, nth=2), name='kill-once')
    try: out = generate(16, tmp_path/'dask', size=64, seed=3, client=dask_client)
    finally: dask_client.unregister_worker_plugin('kill-once')
    assert marker.exists()                                                    # a worker did die during the run ...
    assert int(marker.read_text()) not in dask_client.run(os.getpid).values()  # ... and the nanny replaced it
    assert read_failed(out) == []
    same_tree(grains_here, out)

def test_generate_on_the_command_line_with_a_scheduler(dask_client, grains_here, tmp_path):
    from cli_helpers import cli
    rc, out, err = cli('generate', 'grains', '--n', 16, '--out', tmp_path/'g', '--size', 64, '--seed', 3, '--scheduler', dask_client.scheduler.address)
    assert rc == 0 and out.strip() == f"dataset: {tmp_path/'g'}", err
    same_tree(grains_here, tmp_path/'g')

def test_generate_potts_on_the_command_line_with_workers(tmp_path):
    "`--workers` for every generator that renders locally: potts sections from 2 processes are the bytes of 1."
    from cli_helpers import cli
    args = ('generate', 'potts', '--n', 2, '--size', 8, '--mcs', 2, '--spacing', 4, '--seed', 1)
    for w in (1, 2):
        rc, out, err = cli(*args, '--out', tmp_path/f'w{w}', '--workers', w)
        assert rc == 0 and out.strip() == f"dataset: {tmp_path/f'w{w}'}", err
    same_tree(tmp_path/'w1', tmp_path/'w2')
