"`microsynth gpu-check`: on this CPU, every check at toy sizes as a real process, its JSON and table; without a GPU, the GPU sizes are refused in one line."
import json
import torch, pytest
from cli_helpers import cli, one_line
from microsynth.gpu_check import CHECKS

def test_gpu_check_tiny_runs_every_check(tmp_path):
    rc, out, err = cli('gpu-check', '--tiny', '--out', tmp_path/'gc')
    assert rc == 0, out + err
    r = json.loads((tmp_path/'gc'/'gpu_check.json').read_text())
    assert list(r) == list(CHECKS)
    for name, c in r.items():
        assert c['passed'] is True and c['seconds'] > 0 and c['detail'], (name, c)
    assert 'attempts/s' in r['potts']['detail'] and r['torchrun']['processes'] >= 1
    assert out.splitlines()[-2].startswith(f"{len(CHECKS)} of {len(CHECKS)} checks passed") and out.splitlines()[-1].startswith('results: ')

@pytest.mark.skipif(torch.cuda.is_available(), reason='on a GPU the full sizes run')
def test_gpu_check_refuses_gpu_sizes_without_a_gpu(tmp_path):
    rc, _, err = cli('gpu-check', '--out', tmp_path/'gc')
    assert rc == 2 and not (tmp_path/'gc').exists()
    one_line(err, 'no CUDA device', '--tiny')
    rc, _, err = cli('gpu-check', '--tiny', '--only', 'potts', 'warp', '--out', tmp_path/'gc')
    assert rc == 2
    one_line(err, '--only potts warp: expected some of potts, unet')
