"Importing microsynth sets nothing: thread settings live in the command (`runner.thread_settings`), not in the modules."
import json, subprocess, sys

MODULES = ['core', 'realdata', 'runner', 'cli', 'precision', 'distributed', 'potts', 'potts_stats', 'grains', 'grains_generate', 'textures', 'cracks',
           'crack_classifier', 'pix2pix', 'translate', 'realism', 'seg_data', 'seg_models', 'seg_learner', 'postprocess', 'predict', 'baselines', 'experiments', 'gpu_check', 'adaptive', 'metrics']

def test_importing_microsynth_has_no_side_effects():
    code = ("import os, json, importlib\n"
            "import numba, torch, fastai.vision.all, papermill  # what the libraries set for themselves is theirs\n"
            "env = dict(os.environ)\n"
            f"for m in {MODULES!r}: importlib.import_module('microsynth.' + m)\n"
            "print(json.dumps(dict(changed=sorted(k for k in set(env) | set(os.environ) if env.get(k) != os.environ.get(k)),"
            " layer=numba.config.THREADING_LAYER)))")
    env = {k: v for k, v in __import__('os').environ.items() if k not in ('OMP_WAIT_POLICY', 'NUMBA_THREADING_LAYER')}
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    assert r == dict(changed=[], layer='default'), r

def test_the_command_sets_threads_once():
    from microsynth.runner import THREAD_ENV, thread_settings
    env = {'OMP_WAIT_POLICY': 'ACTIVE'}
    assert thread_settings(env) == {**THREAD_ENV, 'OMP_WAIT_POLICY': 'ACTIVE'} and env['NUMBA_THREADING_LAYER'] == 'workqueue'
