"Adaptive resampling: added images re-render byte for byte from their rows, resampling is deterministic and resumable, bad input is refused naming the input and its value."
import shutil
from pathlib import Path
import numpy as np, pandas as pd, pytest
from microsynth.dataset import DatasetWriter, read_dataset, row_params
from microsynth.images import png_bytes
from microsynth.seg_learner import TrainSpec
from microsynth.adaptive import (PROVENANCE, crack_simulator, simulator_params, grain_simulator, regenerate, resample,
                                 resolve_knobs, run_adaptive, select_worst)

SIZE = 64

@pytest.fixture(scope='module')
def sim(): return grain_simulator(SIZE)

@pytest.fixture(scope='module')
def valid(sim, tmp_path_factory): return sim.generate(4, tmp_path_factory.mktemp('a')/'valid', seed=7)

@pytest.fixture(scope='module')
def added(sim, valid, tmp_path_factory):
    return resample(valid, sim, ['000002', '000000'], n_variations=3, out=tmp_path_factory.mktemp('a')/'added', seed=5, round=2)

def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(Path(folder).rglob('*')) if p.is_file()}

def test_added_image_rerenders_byte_identical_from_its_row(sim, valid, added):
    df, parents = read_dataset(added), read_dataset(valid).set_index('id')
    assert len(df) == 6 and list(df['id'][:3]) == ['r2-000002-00', 'r2-000002-01', 'r2-000002-02']
    for _, r in df.iterrows():
        im, m, lab = regenerate(r, sim)
        assert png_bytes(im) == Path(r['images']).read_bytes() and png_bytes(m) == Path(r['masks']).read_bytes()
        assert png_bytes(lab) == Path(r['labels']).read_bytes()
        p = row_params(r)
        assert p['parent'] == f"valid/{r['id'][3:9]}" and p['round'] == 2
        parent = row_params(parents.loc[r['id'][3:9]])
        for k, d in p['perturbation'].items():   # the row holds the parent's value moved by the recorded change
            lo, hi = sim.ranges[k]
            assert p[k] == pytest.approx(parent[k] + d, abs=1e-12) and abs(d) <= 0.1 * (hi - lo) + 1e-12
        assert set(p['perturbation']) == set(sim.continuous)
        assert not set(PROVENANCE) & set(simulator_params(r))

def test_resample_is_deterministic_and_resumes(sim, valid, added, tmp_path):
    again = resample(valid, sim, ['000002', '000000'], n_variations=3, out=tmp_path/'again', seed=5, round=2)
    assert files(again) == files(added)
    part = tmp_path/'part'
    resample(valid, sim, ['000002'], n_variations=3, out=part, seed=5, round=2)                     # a run stopped after the first parent
    resample(valid, sim, ['000002', '000000'], n_variations=3, out=part, seed=5, round=2)
    assert files(part) == files(added)

def test_integer_knobs_stay_whole(sim, valid, tmp_path):
    df = read_dataset(resample(valid, sim, ['000001'], n_variations=8, out=tmp_path/'w', knobs={'boundary_width': 0.3}, seed=1))
    assert all(isinstance(row_params(r)['boundary_width'], int) for _, r in df.iterrows())
    assert all(set(row_params(r)['perturbation']) == {'boundary_width'} for _, r in df.iterrows())

def test_worst_fraction_outside_0_1_is_refused():
    scores = pd.DataFrame(dict(name=['a', 'b', 'c'], boundary_iou=[0.5, 0.1, 0.9]))
    assert select_worst(scores, 1 / 3) == ['b'] and select_worst(scores, 1.0) == ['b', 'a', 'c']
    for bad in (0, 0.0, -0.1, 1.01, 10, True, '0.1'):
        with pytest.raises(ValueError, match=rf"worst fraction must be (?:in \(0, 1\]|a number), got {bad!r}".replace('.', r'\.')):
            select_worst(scores, bad)

def test_zero_variations_is_refused(sim, valid, tmp_path):
    for bad in (0, -3, 2.5):
        with pytest.raises(ValueError, match=rf'n_variations \(variations per image\) must be (?:in \[1, inf\]|an integer), got {bad}'):
            resample(valid, sim, ['000000'], n_variations=bad, out=tmp_path/'out')
    assert not (tmp_path/'out').exists()

def test_unknown_knob_is_refused(sim, valid, tmp_path):
    with pytest.raises(ValueError, match=r"knob\(s\) \['grain_colour'\] are not knobs of the grains simulator"):
        resample(valid, sim, ['000000'], n_variations=2, out=tmp_path/'out', knobs=['grain_colour'])
    with pytest.raises(ValueError, match=r"knob\(s\) \['n_grainz'\] are not knobs"):
        resolve_knobs(sim, {'n_grainz': 0.1})
    with pytest.raises(ValueError, match=r"spread of knob 'grain_mean' must be in \(0, 1\], got 0"):
        resolve_knobs(sim, {'grain_mean': 0})
    assert not (tmp_path/'out').exists()

def test_dataset_without_parameter_rows_is_refused(sim, tmp_path):
    bare = tmp_path/'bare'; (bare/'images').mkdir(parents=True)
    with pytest.raises(ValueError, match=rf"dataset {bare} has no parameter rows \(no params.csv\)"):
        resample(bare, sim, ['000000'], n_variations=2, out=tmp_path/'out')
    other = tmp_path/'other'                             # rows, but not of this generator (e.g. real crops)
    with DatasetWriter(other) as w: w.add('000000', dict(source='x.png'), mask=np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match=r"no parameter rows of the grains simulator: its params.csv lacks the knob column\(s\) \['boundary_alpha'"):
        resample(other, sim, ['000000'], n_variations=2, out=tmp_path/'out')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        resample(tmp_path/'nowhere', sim, ['000000'], n_variations=2, out=tmp_path/'out')
    assert not (tmp_path/'out').exists()

def test_run_refuses_a_bad_plan_before_training(sim, valid, tmp_path):
    data = dict(train=valid, valid=valid, test=valid)
    for kw, msg in ((dict(worst_frac=0), r'worst fraction must be in \(0, 1\], got 0'), (dict(worst_frac=2), 'got 2'),
                    (dict(n_variations=0), r'n_variations \(variations per image\) must be in \[1, inf\], got 0'),
                    (dict(knobs=['grain_colour']), r"\['grain_colour'\] are not knobs"), (dict(n_rounds=0), r'n_rounds must be in \[1, inf\], got 0')):
        with pytest.raises(ValueError, match=msg): run_adaptive(sim, data, [], seed=1, train_spec=TrainSpec([[32, 1, True]], crop=32), out=tmp_path/'run', **kw)
    with pytest.raises(ValueError, match='has no parameter rows'):
        run_adaptive(sim, {**data, 'valid': tmp_path}, [], seed=1, train_spec=TrainSpec([[32, 1, True]], crop=32), out=tmp_path/'run')
    assert not (tmp_path/'run').exists()

@pytest.fixture(scope='module')
def crack_sim(tmp_path_factory):
    "Crack tiles from a small texture dictionary and crack model (real exemplars copied to a temp folder)."
    from conftest import real_data
    from microsynth.textures import build_dictionary
    from microsynth.cracks import fit_crack_params
    root = real_data()/'mt-cracks'; tmp = tmp_path_factory.mktemp('mt')
    for kind, n in (('free', 6), ('crack', 10)):
        (tmp/kind).mkdir()
        for f in sorted((root/kind).glob('*.jpg'))[:n]: shutil.copy(f, tmp/kind); shutil.copy(f.with_suffix('.png'), tmp/kind)
    return crack_simulator(build_dictionary(tmp/'free', n_patches=200, seed=3), fit_crack_params(tmp/'crack'), size=64)

def test_crack_tiles_resample_and_rerender(crack_sim, tmp_path):
    tiles = crack_sim.generate(4, tmp_path/'tiles', seed=2)
    df = read_dataset(resample(tiles, crack_sim, ['000001', '000003'], n_variations=2, out=tmp_path/'added', seed=1))
    for _, r in df.iterrows():
        im, m = regenerate(r, crack_sim)
        assert png_bytes(im) == Path(r['images']).read_bytes() and png_bytes(m) == Path(r['masks']).read_bytes()
        assert set(row_params(r)['perturbation']) == {'width', 'contrast', 'roughness'}
    with pytest.raises(ValueError, match=r"no value for knob 'width'"):   # a crack-free tile has no crack to move
        resample(tiles, crack_sim, ['000000'], n_variations=2, out=tmp_path/'free')
