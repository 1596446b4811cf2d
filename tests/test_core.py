"Dataset writer/reader: bad inputs, determinism, and a writer killed halfway."
import hashlib, os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np, pytest
from microsynth.dataset import DatasetWriter, read_dataset, load_sample, row_params
from microsynth.core import set_seed
from microsynth.images import png_bytes, save_png

def digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).rglob('*')) if p.is_file()}

def sample(i):
    rng = np.random.default_rng(i)
    return (rng.integers(0, 256, (32, 32), dtype=np.uint8), rng.integers(0, 2, (32, 32), dtype=np.uint8))

def write(path, n):
    with DatasetWriter(path, flush_every=1) as w:
        for i in range(n):
            img, mask = sample(i)
            w.add(f's{i:04d}', dict(seed=i, scale=0.1 * i, shape=[32, 32]), image=img, mask=mask)

def test_same_seed_same_bytes(tmp_path):
    write(tmp_path/'a', 5); write(tmp_path/'b', 5)
    assert digest(tmp_path/'a') == digest(tmp_path/'b')
    assert set_seed(3).random() == set_seed(3).random()

def test_params_round_trip_exactly(tmp_path):
    write(tmp_path/'a', 4)
    df = read_dataset(tmp_path/'a', check=True)
    assert [row_params(r)['scale'] for _, r in df.iterrows()] == [0.1 * i for i in range(4)]
    assert row_params(df.iloc[2])['shape'] == [32, 32]

KILL_SCRIPT = textwrap.dedent('''
    import sys, numpy as np
    sys.path.insert(0, {root!r})
    from microsynth.dataset import DatasetWriter
    from test_core import sample
    with DatasetWriter(sys.argv[1], flush_every=3) as w:
        for i in range(10_000):
            img, mask = sample(i)
            w.add(f's{{i:04d}}', dict(seed=i, scale=0.1 * i, shape=[32, 32]), image=img, mask=mask)
            if i == 40: print('halfway', flush=True)
''')

def test_killed_writer_leaves_no_partial_file_and_rerun_completes_same_bytes(tmp_path):
    script = tmp_path/'gen.py'
    script.write_text(KILL_SCRIPT.format(root=str(Path(__file__).parent)))
    out = tmp_path/'killed'
    p = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent)
    assert p.stdout.readline().strip() == 'halfway'
    p.send_signal(signal.SIGKILL); p.wait()
    # every PNG under its final name is complete and readable; the table lists only complete samples
    df = read_dataset(out, check=True)
    assert 0 < len(df) < 10_000
    for kind in ('images', 'masks'):
        for f in (out/kind).glob('*.png'):
            i = int(f.stem[1:])
            assert f.read_bytes() == png_bytes(sample(i)[0 if kind == 'images' else 1])
    # a rerun of the same (shorter) job resumes and ends byte-identical to an uninterrupted one
    n = len(df) + 20
    write(out, n); write(tmp_path/'clean', n)
    assert not list(out.rglob('*.tmp'))
    assert digest(out) == digest(tmp_path/'clean')

def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'): read_dataset(tmp_path/'none')
    (tmp_path/'empty').mkdir()
    with pytest.raises(ValueError, match='no params.csv'): read_dataset(tmp_path/'empty')
    write(tmp_path/'d', 2)
    (tmp_path/'d'/'masks'/'x.txt').write_text('hi')
    with pytest.raises(ValueError, match=r'not PNG images.*x\.txt'): read_dataset(tmp_path/'d')
    (tmp_path/'d'/'masks'/'x.txt').unlink()
    save_png(tmp_path/'d'/'masks'/'s0001.png', np.full((32, 32), 9, np.uint8))  # a mask with a value no class has
    df = read_dataset(tmp_path/'d')
    with pytest.raises(ValueError, match=r"'s0001'.*outside the classes"): load_sample(df.iloc[1])
    save_png(tmp_path/'d'/'masks'/'s0001.png', np.zeros((16, 32), np.uint8))
    with pytest.raises(ValueError, match='sizes differ'): read_dataset(tmp_path/'d', check=True)
    with DatasetWriter(tmp_path/'w') as w:
        with pytest.raises(ValueError, match='image must be uint8'): w.add('a', {}, image=np.zeros((4, 4), float))
        with pytest.raises(ValueError, match="'id' is reserved"): w.add('a', {'id': 1}, image=np.zeros((4, 4), np.uint8))
    assert not list((tmp_path/'w').rglob('*.png'))
