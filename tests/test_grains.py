"Grain images: reproducible from their rows, identical for any number of workers, resumable, masks consistent with labels, clear errors."
import filecmp, os
from pathlib import Path
import numpy as np, pytest
from microsynth.dataset import read_dataset, load_sample, row_params
from microsynth.grains import GrainParams, render
from microsynth.grains_generate import generate, render_row
from microsynth.metrics import grain_table, instances_from_boundaries

SIZE = 96

def same_tree(a, b):
    "Both dataset folders hold the same files with the same bytes."
    fa = sorted(p.relative_to(a) for p in Path(a).rglob('*') if p.is_file())
    fb = sorted(p.relative_to(b) for p in Path(b).rglob('*') if p.is_file())
    assert fa == fb
    for f in fa: assert (Path(a)/f).read_bytes() == (Path(b)/f).read_bytes(), f

@pytest.fixture(scope='module')
def ds1(tmp_path_factory):
    return generate(6, tmp_path_factory.mktemp('g')/'one', size=SIZE, seed=3, workers=1)

def test_row_renders_stored_bytes(ds1):
    df = read_dataset(ds1)
    assert len(df) == 6 and {'seed', 'size', 'n_grains', 'perlin_wavelength'} <= set(df.columns)
    for _, r in df.iterrows():
        im, m, lab = render_row(r); s = load_sample(r)
        assert im.tobytes() == s['images'].tobytes() and m.tobytes() == s['masks'].tobytes()
        assert np.array_equal(lab, s['labels'])
        # also through the dataclass
        p = row_params(r); size, seed, _ = p.pop('size'), p.pop('seed'), p.pop('recipe')
        assert render(GrainParams(**p), size, seed)[0].tobytes() == s['images'].tobytes()

def test_workers_write_identical_datasets(ds1, tmp_path):
    two = generate(6, tmp_path/'two', size=SIZE, seed=3, workers=2)
    same_tree(ds1, two)

def test_resume_gives_same_bytes(ds1, tmp_path):
    part = tmp_path/'part'
    generate(3, part, size=SIZE, seed=3)
    # a killed run: one more image file written but its row never recorded, plus a temp file left behind
    (part/'images'/'000003.png').write_bytes(b'half a png')
    (part/'masks'/'.000004.png.xyz.tmp').write_bytes(b'junk')
    other = generate(6, part.parent/'other', size=SIZE, seed=4)  # complete files of sample 4 from another seed, their row never recorded
    for k in ('images', 'masks', 'labels'): (part/k/'000004.png').write_bytes((other/k/'000004.png').read_bytes())
    generate(6, part, size=SIZE, seed=3, workers=2)
    same_tree(ds1, part)

@pytest.mark.parametrize('periodic', [False, True])
def test_mask_and_labels_consistent(periodic):
    rng = np.random.default_rng(0)
    for i in range(4):
        p = GrainParams.sample(rng, 128, periodic=periodic)
        im, m, lab = render(p, 128, i)
        assert im.dtype == np.uint8 and m.dtype == np.uint8 and lab.dtype == np.int32
        assert set(np.unique(m)) <= {0, 1}
        assert np.array_equal(lab == 0, m == 1)                       # label 0 is exactly the boundary
        for a, b in ((lab[:, 1:], lab[:, :-1]), (lab[1:], lab[:-1])):  # no two grains touch
            assert not ((a > 0) & (b > 0) & (a != b)).any()
        k = int(lab.max())
        assert np.array_equal(np.unique(lab), np.arange(k + 1))
        if periodic: assert abs(k - p.n_grains) <= max(2, .03 * p.n_grains)
        else: assert p.n_grains * .9 <= k <= 1.6 * p.n_grains + 10   # plus the grains cut by the edges
        assert len(grain_table(instances_from_boundaries(m > 0))) >= k

def test_periodic_tiles_stitch():
    im, m, lab = render(GrainParams(n_grains=30, periodic=True, spline_amp=.15, blur_ksize=1, white_noise=0., jitter=0.), 64, 1)
    # across the seam a grain continues: pairs of non-boundary pixels on opposite edges mostly share a grey
    same = (m[:, 0] == 0) & (m[:, -1] == 0)
    assert same.sum() > 10 and (np.abs(im[same, 0].astype(int) - im[same, -1]) <= 60).mean() > .9

@pytest.mark.parametrize('kw,msg', [
    (dict(size=0), 'size'), (dict(size=(32, -1)), 'size'), (dict(size=2.5), 'size'),
    (dict(n_grains=0), 'n_grains'), (dict(n_grains=-3), 'n_grains'), (dict(n_grains=100, size=8), 'more grains than'),
    (dict(white_noise=-.1), 'white_noise'), (dict(perlin_amp=-1.), 'perlin_amp'), (dict(blur_ksize=-1), 'blur_ksize'),
    (dict(blur_ksize=4), 'odd'), (dict(perlin_wavelength=0.), '(0, 1]'), (dict(perlin_wavelength=1.2), '(0, 1]'),
    (dict(colour=2), 'unknown grain parameter'), (dict(seed=-1), 'seed')])
def test_bad_render_inputs(kw, msg):
    with pytest.raises(ValueError, match=msg.replace('(', r'\(').replace(')', r'\)').replace('[', r'\[').replace(']', r'\]')):
        render(**kw)

def test_bad_row_and_generate_inputs(ds1, tmp_path):
    r = dict(read_dataset(ds1).iloc[0]); r['grain_colour'] = .3
    with pytest.raises(ValueError, match='unknown grain parameter'): render_row(r)
    for kw, msg in [(dict(n=0), r'n must be in \[1, '), (dict(n=3, workers=0), 'workers'), (dict(n=3, size=-4), 'size'),
                    (dict(n=3, ranges=dict(perlin_wavelength=(.1, 1.5))), r'\(0, 1\]'), (dict(n=3, ranges=dict(foo=(0, 1))), 'unknown range'),
                    (dict(n=3, white_noise=-1.), 'white_noise'), (dict(n=3, n_grains=10**6, size=64), 'more grains than'),
                    (dict(n=3, bogus=1), 'unknown grain parameter')]:
        out = tmp_path/'bad'
        with pytest.raises(ValueError, match=msg): generate(out_dir=out, **kw)
        assert not out.exists()                                       # nothing partial left on disk

def test_recipe_version_guard(ds1, tmp_path):
    r = dict(read_dataset(ds1).iloc[0]); assert r['recipe'] >= 1
    r['recipe'] = 0
    with pytest.raises(ValueError, match='version'): render_row(r)
    old = tmp_path/'old'; generate(2, old, size=SIZE)
    pf = old/'params.csv'; txt = pf.read_text().splitlines()
    col = txt[0].split(',').index('recipe')
    pf.write_text('\n'.join([txt[0]] + [','.join(v if j != col else '0' for j, v in enumerate(l.split(','))) for l in txt[1:]]) + '\n')
    with pytest.raises(ValueError, match='recipe version'): generate(4, old, size=SIZE)
