import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def real_data() -> Path:
    "The local real-data copy (MICROSYNTH_DATA, or ../shared/data beside the repo); tests needing it skip without it."
    env = os.environ.get('MICROSYNTH_DATA')
    p = Path(env) if env else ROOT.parent/'shared'/'data'
    if not (p/'tbm').is_dir(): pytest.skip('no local real data (set MICROSYNTH_DATA)')
    os.environ['MICROSYNTH_DATA'] = str(p)
    return p

@pytest.fixture
def data_dir(): return real_data()

@pytest.fixture(scope='session')
def dask_client():
    "A Dask cluster of 2 worker processes (one thread each) on this machine, started once for the tests that ask for it."
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        yield client
