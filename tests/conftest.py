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
