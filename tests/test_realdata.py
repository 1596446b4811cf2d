"Real-data loaders and the verified downloader: bad inputs and resume (no network: a local mirror stands in)."
from pathlib import Path
import numpy as np, pytest
from microsynth.images import save_png
from microsynth.realdata import download, load_pairs, local_name, polygon_masks, read_manifest, source_id, split_by_source

def mirror(root, name):
    return lambda sp: (Path(root)/name/local_name(name, sp)).read_bytes()

def present(root, name):
    man = read_manifest(name)
    return [l for l in man['local'] if (Path(root)/name/l).exists()]

@pytest.mark.parametrize('name', ['tbm', 'mt-cracks'])
def test_download_verifies_and_resumes(tmp_path, data_dir, name):
    files = present(data_dir, name)[:12]
    calls = []
    def fetch(sp): calls.append(sp); return mirror(data_dir, name)(sp)
    download(name, tmp_path/name, fetch=fetch, files=files, progress=False)
    assert len(calls) == len(files)
    for l in files: assert (tmp_path/name/l).read_bytes() == (data_dir/name/l).read_bytes()
    (tmp_path/name/files[0]).unlink()
    download(name, tmp_path/name, fetch=fetch, files=files, progress=False)
    assert len(calls) == len(files) + 1  # only the missing file was fetched again

def test_local_copy_matches_manifest(data_dir):
    import hashlib
    man = read_manifest('tbm').set_index('local')
    files = present(data_dir, 'tbm')
    on_disk = [str(p.relative_to(data_dir/'tbm')) for d in ('images', 'masks') for p in (data_dir/'tbm'/d).iterdir()]
    assert sorted(files) == sorted(on_disk) and len(files) % 2 == 0  # every file is a manifest file: the full set (80 pairs) or part of it
    for l in files: assert hashlib.sha256((data_dir/'tbm'/l).read_bytes()).hexdigest() == man.loc[l, 'sha256']

def test_checksum_mismatch_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match='checksum mismatch for AutoSAM/TBM_dataset/TrainDataset/images/20-0-1024.png'):
        download('tbm', tmp_path/'tbm', fetch=lambda sp: b'corrupt', files=['images/train-20-0-1024.png'], progress=False)
    assert not [p for p in tmp_path.rglob('*') if p.is_file()]

def test_unknown_dataset_and_file(tmp_path):
    with pytest.raises(ValueError, match='unknown data set'): download('nope', tmp_path)
    with pytest.raises(ValueError, match='not in the tbm manifest'): download('tbm', tmp_path, files=['images/x.png'])

def test_pairs_and_split(data_dir):
    pairs = load_pairs(data_dir/'tbm')
    assert 0 < len(pairs) == len(list((data_dir/'tbm'/'images').iterdir())) <= len(read_manifest('tbm')) // 2 and all(p.mask.dtype == np.uint8 and p.mask.max() == 1 for p in pairs)
    for seed in range(5):
        sp = split_by_source([p.name for p in pairs], seed=seed)
        sides = [{source_id(n) for n in v} for v in sp.values()]
        assert all(not (a & b) for i, a in enumerate(sides) for b in sides[i+1:])
        assert sum(map(len, sp.values())) == len(pairs)
    assert source_id('test-27-512-256.png') == '27' and source_id('exp1_num_3191.jpg') == 'exp1_num_3191'

def test_pair_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'): load_pairs(tmp_path/'none')
    (tmp_path/'images').mkdir(); (tmp_path/'masks').mkdir()
    with pytest.raises(ValueError, match='no image/mask pairs'): load_pairs(tmp_path)
    save_png(tmp_path/'images'/'a.png', np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match=r'do not pair up.*a\.png'): load_pairs(tmp_path)
    save_png(tmp_path/'masks'/'a.png', np.zeros((8, 9), np.uint8))
    with pytest.raises(ValueError, match=r'\(8, 8\) but its mask .* is \(8, 9\)'): load_pairs(tmp_path)
    rgb = np.zeros((8, 8, 3), np.uint8); rgb[..., 0] = 200
    save_png(tmp_path/'masks'/'a.png', rgb)
    with pytest.raises(ValueError, match='has colour'): load_pairs(tmp_path)
    (tmp_path/'images'/'b.csv').write_text('x')
    with pytest.raises(ValueError, match='not images'): load_pairs(tmp_path)

@pytest.mark.parametrize('line', ['IMG_00001.png,"(5,5)"', 'IMG_00001.png,"5,5","[(1,1),(2,2),(3,1)]"',
                                  'IMG_00001.png,"(5,5)","[(1,1),(2,2)]"', 'notes.txt,"(5,5)","[(1,1),(2,2),(3,1)]"',
                                  'IMG_00001.png,"(5,5)","(1,1),(2,2),(3,1)"'])
def test_polygon_csv_bad_lines(tmp_path, line):
    f = tmp_path/'p.csv'; f.write_text('IMG_00002.png,"(5,5)","[(1, 1), (8, 1), (8, 8)]"\n' + line + '\n')
    with pytest.raises(ValueError, match=r'line 2 of .*(not the polygon format|at least 3 vertices)'): polygon_masks(f, (10, 10))

def test_split_fracs_checked():
    with pytest.raises(ValueError, match='summing to 1'): split_by_source(['a.png'], fracs=(0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match='no names'): split_by_source([])
