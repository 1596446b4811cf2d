"Textures, cracks and crack tile datasets: determinism, bad inputs, regeneration from rows, split by source."
import filecmp, shutil
import numpy as np, pandas as pd, pytest
from microsynth.images import load_image
from microsynth.dataset import read_dataset
from microsynth.realdata import mtcracks_folder
from microsynth.textures import build_dictionary, load_exemplars, synth_texture, synth_textures
from microsynth.cracks import (fit_crack_params, load_crack_pairs, measure_cracks, mt_source_groups, real_crack_dataset,
                               real_tile_from_row, render_crack, sample_crack, split_groups, synth_crack_dataset, synth_tile_from_row)

@pytest.fixture(scope='module')
def folders(tmp_path_factory):
    "A few free and crack photographs copied into a temp folder (fast dictionaries, independent of the full set)."
    from conftest import real_data
    root = real_data()/'mt-cracks'; tmp = tmp_path_factory.mktemp('mt')
    for kind, n in (('free', 12), ('crack', 10)):
        (tmp/kind).mkdir()
        for f in sorted((root/kind).glob('*.jpg'))[:n]:
            shutil.copy(f, tmp/kind); shutil.copy(f.with_suffix('.png'), tmp/kind)
    return tmp

@pytest.fixture(scope='module')
def td(folders): return build_dictionary(folders/'free', n_patches=300, seed=3)

@pytest.fixture(scope='module')
def model(folders): return fit_crack_params(folders/'crack')

def test_textures_deterministic(folders, td):
    a = synth_textures(td, [5, 6, 7]); b = synth_textures(td, [7, 6, 5])
    assert a.shape == (3, 128, 128) and a.dtype == np.uint8
    assert (a[0] == b[2]).all() and (a[2] == b[0]).all()          # a tile depends on its seed, not its batch
    assert (synth_texture(td, 6) == a[1]).all()
    assert not (a[0] == a[1]).all()
    td2 = build_dictionary(folders/'free', n_patches=300, seed=3)
    assert (td2.patches == td.patches).all()
    assert synth_textures(td, [1], size=80).shape == (1, 80, 80)  # off-raster sizes are cropped

def test_texture_bad_inputs(tmp_path, folders, td):
    with pytest.raises(FileNotFoundError, match='does not exist'): load_exemplars(tmp_path/'nope')
    (tmp_path/'empty').mkdir()
    with pytest.raises(ValueError, match='no images'): build_dictionary(tmp_path/'empty')
    with pytest.raises(ValueError, match='too small'): build_dictionary([('small', np.zeros((30, 30), np.uint8))])
    with pytest.raises(ValueError, match='smaller than'): synth_texture(td, 0, size=16)
    with pytest.raises(ValueError, match='seed_size'): build_dictionary(folders/'free', patch=32, overlap=8, seed_size=40)

def test_crack_measure_and_sample(folders, model):
    with pytest.raises(ValueError, match='no crack pixels'): measure_cracks([('blank', np.zeros((50, 50), np.uint8), np.zeros((50, 50), bool))])
    with pytest.raises(FileNotFoundError): load_crack_pairs(folders/'nope')
    assert set(model) == {'n_segments', 'length', 'angle', 'orientation', 'width', 'contrast'}
    c1, c2 = sample_crack(model, np.random.default_rng(4)), sample_crack(model, np.random.default_rng(4))
    assert c1 == c2
    tex = synth_texture(build_dictionary(folders/'free', n_patches=100), 0)
    img, mask = render_crack(tex, c1)
    img2, mask2 = render_crack(tex, c2)
    assert (img == img2).all() and (mask == mask2).all() and mask.sum() > 0 and set(np.unique(mask)) <= {0, 1}
    assert img[mask == 1].mean() < tex[mask == 1].mean()          # cracks are darker than the surface
    with pytest.raises(ValueError, match='uint8'): render_crack(tex.astype(float), c1)

def test_synth_dataset_regenerates_and_is_deterministic(tmp_path, td, model):
    a = synth_crack_dataset(tmp_path/'a', 10, td, model, seed=2, batch=4)
    b = synth_crack_dataset(tmp_path/'b', 10, td, model, seed=2, batch=7)
    assert filecmp.cmp(a/'params.csv', b/'params.csv', shallow=False)
    df = read_dataset(a)
    assert df['crack'].tolist() == [0, 1]*5
    for _, r in df.iterrows():
        assert filecmp.cmp(r['images'], b/'images'/f"{r['id']}.png", shallow=False)
        img, mask = synth_tile_from_row(r)
        assert (img == load_image(r['images'])).all() and (mask == load_image(r['masks'])).all()
        assert (mask.sum() > 0) == bool(r['crack']) or mask.sum() == 0  # a crack may leave the tile only partly
    synth_crack_dataset(a, 12, td, model, seed=2)                    # resume: the first 10 stay, 2 are added
    assert len(read_dataset(a)) == 12 and filecmp.cmp(a/'images'/'000003.png', b/'images'/'000003.png', shallow=False)

def test_synth_dataset_same_bytes_any_worker_count(tmp_path, td, model):
    one = synth_crack_dataset(tmp_path/'one', 6, td, model, seed=2, batch=4, workers=1)
    two = synth_crack_dataset(tmp_path/'two', 6, td, model, seed=2, batch=4, workers=2)
    files = sorted(p.relative_to(one) for p in one.rglob('*') if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob('*') if p.is_file()) and len(files) == 2 * 6 + 3  # + params.csv, recipe.json, .microsynth.lock
    for f in files: assert (one/f).read_bytes() == (two/f).read_bytes(), f

def test_source_groups_and_split():
    names = ['exp1_num_249594', 'exp2_num_249619', 'exp4_num_249762', 'exp1_num_32128', 'exp2_num_32153', 'exp1_num_339819', 'exp3_num_3223']
    g = mt_source_groups(names)
    assert g['exp1_num_249594'] == g['exp2_num_249619'] == g['exp4_num_249762'] and g['exp1_num_32128'] == g['exp2_num_32153']
    assert len(set(g.values())) == 4
    side = split_groups(g, seed=1)
    for grp in set(g.values()): assert len({side[n] for n in names if g[n] == grp}) == 1
    with pytest.raises(ValueError, match='3 sources'): split_groups({'a': 'x', 'b': 'y'})

def test_real_dataset_split_by_source(tmp_path, folders):
    out = real_crack_dataset(tmp_path/'real', 10, folders/'crack', folders/'free', seed=0)
    df = read_dataset(out)
    assert (df.groupby('split')['crack'].mean() == 0.5).all()        # balanced in every split
    for a, b in (('train', 'test'), ('train', 'valid'), ('valid', 'test')):
        assert not set(df[df.split == a].group) & set(df[df.split == b].group)
        assert not set(df[df.split == a].source) & set(df[df.split == b].source)
    for _, r in df.iloc[[0, 1, -1]].iterrows():
        img, mask = real_tile_from_row(r, folders/'crack', folders/'free')
        assert (img == load_image(r['images'])).all() and (mask == load_image(r['masks'])).all()
    crack_rows = df[df.crack == 1]
    assert all(load_image(p).sum() > 0 for p in crack_rows['masks'])  # centred on crack pixels

def test_table1_protocol_helpers():
    from microsynth.crack_classifier import repartition, table1
    rows = [dict(run=r, model=m, data='test', wrong=w, n=20) for r, ws in enumerate([(5, 6, 3), (4, 7, 2), (6, 6, 4)]) for m, w in zip(('synthetic', 'real', 'mixed'), ws)]
    t = table1(rows).set_index('model')
    assert abs(t.loc['mixed', 'mean'] - 9/60) < 1e-12 and t.loc['real', 'ci_lo'] < t.loc['real', 'mean'] < t.loc['real', 'ci_hi']
    from scipy.stats import ttest_rel
    assert abs(t.loc['mixed', 'p_real_vs_mixed'] - ttest_rel([6, 7, 6], [3, 2, 4]).pvalue) < 1e-12
    df = pd.DataFrame(dict(fname=list('abcdefghij'), label=['crack', 'no crack']*5, split=['test']*2 + ['train']*8))
    a, b = repartition(df, 1), repartition(df, 1)
    assert a.equals(b) and (a.split == 'test').sum() == 2 and (a.split == 'valid').sum() == 2

@pytest.mark.parametrize('kw,msg', [(dict(valid_frac=0.7), r'valid_frac must be in \[0, 0.5\], got 0.7'), (dict(n=0), r'n must be in \[1, inf\], got 0'),
                                    (dict(valid_frac=float('nan')), 'valid_frac must be a finite number, got nan')])
def test_synth_dataset_checks_before_writing(tmp_path, td, model, kw, msg):
    with pytest.raises(ValueError, match=msg): synth_crack_dataset(tmp_path/'c', **{'n': 4, 'td': td, 'model': model, **kw})
    assert not (tmp_path/'c').exists()

def test_synth_dataset_on_dask_equals_local(tmp_path, td, model, dask_client):
    "The crack tiles written by a 2-process Dask cluster (a batch per task, the dictionary sent once per worker) are the local bytes."
    a = synth_crack_dataset(tmp_path/'here', 6, td, model, size=64, seed=2, batch=2)
    b = synth_crack_dataset(tmp_path/'dask', 6, td, model, size=64, seed=2, batch=2, client=dask_client)
    files = sorted(p.relative_to(a) for p in a.rglob('*') if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob('*') if p.is_file()) and len(files) == 2 * 6 + 3
    assert all(filecmp.cmp(a/f, b/f, shallow=False) for f in files)
