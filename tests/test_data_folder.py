"The card's `data/` folder: git keeps only its README, and the README, `microsynth data path` and the downloader agree."
import os, shutil, subprocess, sys
from pathlib import Path
import pytest
from microsynth.realdata import SOURCES, data_root

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT/'data'/'README.md').read_text()

def git(*args): return subprocess.run(['git', *args], cwd=ROOT, capture_output=True, text=True)
needs_git = pytest.mark.skipif(shutil.which('git') is None or git('rev-parse').returncode != 0, reason='not a git checkout')

@needs_git
def test_git_tracks_only_the_readme_under_data():
    assert git('ls-files', 'data').stdout.split() == ['data/README.md']

@needs_git
def test_real_and_work_are_ignored():
    for p in ('data/real/tbm/images/train-20-0-0.png', 'data/work/02_grains/x.png'):
        assert git('check-ignore', '-q', p).returncode == 0, f'{p} is not ignored by git'
    assert git('check-ignore', '-q', 'data/README.md').returncode == 1

def test_readme_names_each_source_at_its_pinned_commit():
    for name, src in SOURCES.items():
        assert src['repo'] in README and src['commit'] in README, f'data/README.md does not name {name}: {src}'
    assert 'MICROSYNTH_DATA' in README and 'data/real/' in README and 'data/work/' in README

def cli_data_path(env):
    r = subprocess.run([str(Path(sys.executable).parent/'microsynth'), 'data', 'path'], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return Path(r.stdout.strip())

def test_data_path_is_data_real_or_the_variable(tmp_path, monkeypatch):
    env = {k: v for k, v in os.environ.items() if k != 'MICROSYNTH_DATA'}
    assert cli_data_path(env) == ROOT/'data'/'real'
    assert cli_data_path({**env, 'MICROSYNTH_DATA': str(tmp_path)}) == tmp_path
    monkeypatch.delenv('MICROSYNTH_DATA', raising=False)
    assert data_root() == ROOT/'data'/'real'  # where the downloader writes by default
