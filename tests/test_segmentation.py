"Segmentation (05*): bad inputs, the mixing loader's exact batch shares, save/reload, predict with a corrupt file, baselines."
import json, re
import numpy as np, pandas as pd, pytest, torch
from microsynth.seg_data import Sample, check_samples, stage_dls, MixedDL, synthetic_samples
from microsynth.seg_learner import TrainSpec, train_progressive, save_model, load_model, predict_probs
from microsynth.postprocess import clean_boundaries, seeded_watershed, boundaries_from, pick_postprocess
from microsynth.predict import postprocess_spec, predict
from microsynth.metrics import astm_grain_size, grain_summary
from microsynth.cli import predict_cli
from microsynth.experiments import real_subset, run_regime, check_regimes, sweep
from microsynth.baselines import BASELINES, run_baselines
from microsynth.images import save_png, load_image


def toy_grains(size, n_grains, rng):
    "A cheap grain micrograph (RGB uint8) and its boundary mask for tests: nearest-seed Voronoi + smooth noise."
    from scipy import ndimage as ndi
    from scipy.spatial import cKDTree
    pts = rng.uniform(0, size, (n_grains, 2))
    yy, xx = np.mgrid[:size, :size]
    lab = cKDTree(pts).query(np.stack([yy.ravel(), xx.ravel()], 1))[1].reshape(size, size)
    mask = ((lab != np.roll(lab, 1, 0)) | (lab != np.roll(lab, 1, 1))).astype(np.uint8)
    mask[0, :] = mask[:, 0] = 0
    img = rng.uniform(90, 200, (n_grains, 3))[lab] + 48 * ndi.gaussian_filter(rng.normal(size=(size, size, 3)), (4, 4, 0))
    img[ndi.binary_dilation(mask > 0)] *= 0.35
    return np.clip(img, 0, 255).astype(np.uint8), mask

def toys(n, size=64, seed=0, real=False):
    rng = np.random.default_rng(seed)
    return [Sample(f'toy{i}', *toy_grains(size, 8, rng), real) for i in range(n)]

def test_bad_inputs():
    s = toys(1)[0]
    with pytest.raises(ValueError, match=r'outside \{0, 1\}'): check_samples([s._replace(mask=s.mask * 255)])
    with pytest.raises(ValueError, match='smaller than the crop size 128'): stage_dls(toys(2), [], toys(1), crop=128, size=128)
    with pytest.raises(ValueError, match='training set is empty'): stage_dls([], [], toys(1), crop=64, size=64)
    with pytest.raises(ValueError, match='validation set is empty'): stage_dls(toys(2), [], [], crop=64, size=64)
    for pct in (0, -5, 100.5, 'all'):
        with pytest.raises(ValueError, match=r'\(0, 100\]'): real_subset(range(10), pct)
    with pytest.raises(ValueError, match='empty training set'): run_regime('none', 0, 'none', real=dict(train=toys(2), valid=toys(1), test=toys(1)), synthetic=[], seed=1, train_spec=TrainSpec([[32, 1, True]], crop=32))
    with pytest.raises(ValueError, match='last stage must train at the crop'): TrainSpec([[32, 1, True]], crop=64)

@pytest.mark.parametrize('k', [0, 1, 4, 8])
def test_mixing_exact_counts(k):
    real, syn = toys(3, real=True), toys(11, seed=1)
    dls = stage_dls(real if k else [], syn if k < 8 else [], toys(1), crop=64, size=32, bs=8, real_share=k / 8, n_batches=6)
    idxs = dls.train.get_idxs()
    assert len(idxs) == 6 * 8 == len(dls.train) * 8
    items = dls.train.dataset.items
    assert [sum(items[i].real for i in idxs[b*8:(b+1)*8]) for b in range(6)] == [k] * 6
    assert dls.train.get_idxs() != idxs  # a fresh order every epoch
    x, y = dls.one_batch(); assert x.shape == (8, 3, 32, 32) and y.shape == (8, 32, 32)

def test_mixed_dl_needs_both_pools():
    with pytest.raises(ValueError, match='batches need synthetic images but there are none'): MixedDL(list(range(3)), n_real=3, n_real_per_batch=2, bs=4)
    with pytest.raises(ValueError, match='batches need real images but there are none'): MixedDL(list(range(3)), n_real=0, n_real_per_batch=2, bs=4)

@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    learn = train_progressive(toys(4, real=True), toys(4, seed=1), toys(1, seed=2), TrainSpec([[64, 1, True]], crop=64, bs=2, batches_per_epoch=1), seed=0)
    return save_model(learn, tmp_path_factory.mktemp('model')), learn

def test_save_reload_same_masks(model_dir):
    folder, learn = model_dir
    model, cfg = load_model(folder)
    assert cfg['arch'] == 'resnet18' and cfg['crop'] == 64
    im = toys(1, size=100, seed=5)[0].image  # not a multiple of the tile: exercises the overlap tiling
    a, b = predict_probs(learn.model, im, 64, 16), predict_probs(model, im, 64, 16)
    assert a.shape == (100, 100) and np.array_equal(a > 0.5, b > 0.5)
    with pytest.raises(FileNotFoundError, match='save_model'): load_model(folder.parent)

def test_the_cpu_unet_saves_reloads_and_predicts(tmp_path):
    "arch='unet_cpu': trained by the same loop, saved with its name, rebuilt by load_model, the same probabilities after the reload."
    learn = train_progressive(toys(2, real=True), toys(2, seed=1), toys(1, seed=2), TrainSpec(stages=[[32, 1, True], [64, 1, True]], crop=64, arch='unet_cpu', bs=2, batches_per_epoch=1), seed=0)
    folder = save_model(learn, tmp_path/'m')
    model, cfg = load_model(folder)
    assert cfg['arch'] == 'unet_cpu' and type(model).__name__ == 'CPUUNet'
    im = toys(1, size=90, seed=5)[0].image
    a, b = predict_probs(learn.model, im, 64, 16, bf16=False), predict_probs(model, im, 64, 16, bf16=False)
    assert a.shape == (90, 90) and np.allclose(a, b, atol=1e-5)
    with pytest.raises(ValueError, match="'unet_cpu' has no pretrained weights"):
        TrainSpec([[64, 1, True]], crop=64, arch='unet_cpu', pretrained=True, bs=2, batches_per_epoch=1)

def test_a_binned_model_predicts_as_it_was_trained(tmp_path, monkeypatch):
    "downscale=2: the model folder records it, predict bins its input the same way, and masks come back at full size."
    import microsynth.predict as pp
    learn = train_progressive(toys(3, size=128, real=True), [], toys(1, size=128, seed=2), TrainSpec([[32, 1, True]], crop=32, bs=2, batches_per_epoch=1, downscale=2), seed=0)
    assert learn.downscale == 2 and learn.dls.train.one_batch()[0].shape[-1] == 32
    folder = save_model(learn, tmp_path/'m')
    assert load_model(folder)[1]['downscale'] == 2
    src = tmp_path/'in'; src.mkdir(); save_png(src/'a.png', toys(1, size=90, seed=4)[0].image)
    seen = []
    def spy(*a, **k): seen.append(k.get('downscale')); return predict_probs(*a, **k)
    monkeypatch.setattr(pp, 'predict_probs', spy)
    assert predict(folder, src, tmp_path/'out')['done'] == ['a.png'] and seen == [2]
    assert load_image(tmp_path/'out'/'masks'/'a.png').shape[:2] == (90, 90)
    cfg = json.loads((folder/'model.json').read_text()); cfg['downscale'] = 0; (folder/'model.json').write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match='downscale 0 is not a binning factor'): load_model(folder)

def test_predict_folder_with_corrupt_image(model_dir, tmp_path, capsys):
    folder, _ = model_dir
    src = tmp_path/'in'; src.mkdir()
    for s in toys(2, size=80): save_png(src/f'{s.name}.png', s.image)
    (src/'broken.png').write_bytes(b'\x89PNG garbage')
    res = predict(folder, src, tmp_path/'out')
    assert res['done'] == ['toy0.png', 'toy1.png'] and [f['name'] for f in res['failed']] == ['broken.png']
    assert 'broken.png' in capsys.readouterr().err
    g = pd.read_csv(tmp_path/'out'/'grains.csv')
    assert list(g.name) == ['toy0.png', 'toy1.png'] and {'n_grains_all', 'mean_eq_diameter_um', 'astm_G'} <= set(g.columns)
    m = load_image(tmp_path/'out'/'masks'/'toy0.png'); assert m.shape == (80, 80) and set(np.unique(m)) <= {0, 255}
    assert (tmp_path/'out'/'overlays'/'toy1.png').exists()
    assert predict_cli([str(folder), str(src), str(tmp_path/'cli'), '--pixel-size-um', '0.5']) == 1  # broken.png failed: the exit status says so
    assert pd.read_csv(tmp_path/'cli'/'grains.csv').pixel_size_um.eq(0.5).all()
    with pytest.raises(FileNotFoundError, match='does not exist'): predict(folder, tmp_path/'nope', tmp_path/'o2')

def test_baselines_run():
    samples = toys(2, size=48)
    out = run_baselines(samples)
    assert set(out) == set(BASELINES)
    for m, masks in out.items():
        assert len(masks) == 2 and all(b.shape == (48, 48) and set(np.unique(b)) <= {0, 1} for b in masks), m

def test_postprocess_and_grain_statistics():
    rng = np.random.default_rng(0)
    _, mask = toy_grains(96, 10, rng)
    clean = clean_boundaries(mask.astype(float), 0.5, close_radius=1)
    assert clean.dtype == np.uint8 and set(np.unique(clean)) <= {0, 1}
    grid = np.zeros((96, 96), np.uint8); grid[[31, 32, 63, 64], :] = 1; grid[:, [31, 32, 63, 64]] = 1  # 3 x 3 grains of 30^2 px
    gs = grain_summary(grid, pixel_size_um=2.0)
    assert gs['n_grains_all'] == 9 and gs['n_grains_interior'] == 1
    assert abs(gs['mean_area_um2'] - 30 * 30 * 4) < 1e-9 and abs(gs['mean_eq_diameter_um'] - 2 * np.sqrt(4 * 900 / np.pi)) < 1e-9
    assert abs(astm_grain_size(1e6 / 15.5) - 1.0) < 0.01  # E112: G 1 = 15.5 grains/mm^2
    with pytest.raises(ValueError, match='positive'): astm_grain_size(0)

def test_synthetic_samples_are_deterministic(tmp_path):
    from microsynth.grains_generate import generate
    a = synthetic_samples([generate(3, tmp_path/'w1', size=64, seed=4)], 3, seed=4)
    b = synthetic_samples([generate(3, tmp_path/'w2', size=64, seed=4)], 3, seed=4)
    assert all(np.array_equal(x.image, y.image) and np.array_equal(x.mask, y.mask) for x, y in zip(a, b))

def test_finds_datasets_in_the_folders_given(tmp_path):
    from microsynth.dataset import DatasetWriter
    from microsynth.seg_data import find_datasets
    rng = np.random.default_rng(0)
    with DatasetWriter(tmp_path/'02_grains_256') as w:
        for i in range(2): im, m = toy_grains(64, 6, rng); w.add(f'g{i}', dict(seed=i), image=im[..., 0], mask=m)
    with DatasetWriter(tmp_path/'04a_translate'/'voronoi') as w: w.add('v0', dict(seed=0), mask=m)  # label-only: not a source of images
    with DatasetWriter(tmp_path/'03a_cracks') as w: w.add('c0', dict(seed=0), image=im, mask=m)      # not asked for
    assert find_datasets([tmp_path/'02_grains_256', tmp_path/'04a_translate', tmp_path/'missing']) == [tmp_path/'02_grains_256']
    assert find_datasets(tmp_path/'02_grains_256', min_size=65) == []  # no sample that large
    s = synthetic_samples(find_datasets(tmp_path/'02_grains_256'), 5, seed=0)
    assert len(s) == 2 and s[0].image.shape == (64, 64, 3) and not s[0].real


def test_bad_postprocess_and_pool_inputs(tmp_path):
    p = np.zeros((16, 16), np.float32)
    for sigma in (0, -1, float('nan'), float('inf'), 'big'):
        with pytest.raises(ValueError, match=rf"sigma must be .*got {re.escape(repr(sigma))}"): seeded_watershed(p, sigma=sigma)
    for h in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match=rf"h must be in \(0, 1\), got {h!r}"): seeded_watershed(p, h=h)
    with pytest.raises(ValueError, match="unknown post-processing method 'otsu'"): boundaries_from(p, 'otsu')
    with pytest.raises(ValueError, match=r"option\(s\) \['threshold'\] do not apply to post-processing method 'watershed'"): postprocess_spec(None, threshold=0.4)
    with pytest.raises(ValueError, match='sigma must be'): postprocess_spec(dict(method='watershed', sigma=1.0, h=0.1, width=1), sigma=-2.0)
    from microsynth.seg_data import pool_samples
    with pytest.raises(ValueError, match="unknown synthetic pool 'colour'"): pool_samples('colour', 4, {})
    with pytest.raises(ValueError, match=r'n \(samples\) must be in \[1, inf\], got 0'): pool_samples('grey', 0, {})
    with pytest.raises(ValueError, match=r"the grey pool needs sources\['grains'\]: dataset folders that microsynth generate grains"): pool_samples('grey', 2, dict(translations=[tmp_path]))
    from microsynth.dataset import DatasetWriter
    with DatasetWriter(tmp_path/'02_grains_small') as w: w.add('g0', dict(seed=0), image=np.zeros((16, 16), np.uint8), mask=np.zeros((16, 16), np.uint8))
    with pytest.raises(ValueError, match=r"no synthetic sample of at least 64 px a side in \["):
        synthetic_samples([tmp_path/'02_grains_small'], 2, min_size=64)
    with pytest.raises(FileNotFoundError, match="missing"): synthetic_samples([tmp_path/"missing"], 2)
    with pytest.raises(ValueError, match="synthetic use must be one of"): check_regimes([['a', 10, 'both']])

def test_watershed_closes_a_gap_that_splits_grains():
    "Two grains whose boundary has a 4 px gap: threshold + skeleton sees one grain, the seeded watershed two."
    from microsynth.metrics import instances_from_boundaries
    prob = np.zeros((40, 40), np.float32); prob[:, 19:21] = 0.9; prob[18:22, 19:21] = 0.45  # a faint stretch of the boundary
    assert instances_from_boundaries(clean_boundaries(prob, 0.5, close_radius=0)).max() == 1
    assert instances_from_boundaries(seeded_watershed(prob, sigma=1.0, h=0.1)).max() == 2

def test_predict_uses_the_saved_postprocessing(model_dir, tmp_path):
    folder, learn = model_dir
    src = tmp_path/'in'; src.mkdir(); save_png(src/'a.png', toys(1, size=64)[0].image)
    spec = dict(method='threshold', threshold=0.45, close_radius=0, width=1)
    save_model(learn, tmp_path/'m', postprocess=spec)
    assert load_model(tmp_path/'m')[1]['postprocess'] == spec
    assert predict(tmp_path/'m', src, tmp_path/'o1')['postprocess'] == spec
    assert predict(tmp_path/'m', src, tmp_path/'o2', threshold=0.6)['postprocess'] == {**spec, 'threshold': 0.6}
    assert predict(tmp_path/'m', src, tmp_path/'o3', method='watershed', sigma=2.0)['postprocess'] == dict(method='watershed', width=1, sigma=2.0)
    assert predict(folder, src, tmp_path/'o4')['postprocess']['method'] == 'watershed'  # no spec saved: the default
    prob = predict_probs(load_model(tmp_path/'m')[0], load_image(src/'a.png'), 64, 16)
    assert np.array_equal(load_image(tmp_path/'o1'/'masks'/'a.png') > 0, boundaries_from(prob, **spec) > 0)
    save_model(learn, tmp_path/'mt', postprocess={**spec, 'tta': True})  # a model saved with test-time augmentation
    assert predict(tmp_path/'mt', src, tmp_path/'o5')['postprocess'] == {**spec, 'tta': True}
    prob_tta = predict_probs(load_model(tmp_path/'mt')[0], load_image(src/'a.png'), 64, 16, tta=True)
    assert np.array_equal(load_image(tmp_path/'o5'/'masks'/'a.png') > 0, boundaries_from(prob_tta, **spec) > 0)
    assert predict_cli([str(tmp_path/'mt'), str(src), str(tmp_path/'o6'), '--no-tta']) == 0
    assert json.loads((tmp_path/'o6'/'predict.json').read_text())['postprocess'] == spec

def test_pick_postprocess_uses_the_validation_samples():
    rng = np.random.default_rng(1)
    samples = toys(2, size=64)
    probs = [np.clip(s.mask * 0.8 + rng.normal(0, 0.05, s.mask.shape), 0, 1) for s in samples]
    from microsynth.postprocess import score_masks
    grid = dict(threshold=[0.2, 0.4, 0.95])
    for objective, cols in [('boundary_F', ['boundary_F']), ('mAP+ARI', ['mAP', 'ARI'])]:
        spec = pick_postprocess(probs, samples, 'threshold', grid=grid, objective=objective, width=3)
        assert set(spec) == {'method', 'threshold', 'width', 'objective'} and spec['width'] == 3 and spec['objective'] == objective
        score = lambda t: float(score_masks([boundaries_from(p, 'threshold', threshold=t, width=3) for p in probs], samples)[cols].mean().sum())
        assert score(spec['threshold']) == max(score(t) for t in grid['threshold'])
    with pytest.raises(ValueError, match="unknown objective 'F1'"): pick_postprocess(probs, samples, objective='F1')
    with pytest.raises(ValueError, match='one probability map per sample'): pick_postprocess(probs[:1], samples)


def test_recolour_paints_grains_in_reference_colours():
    from microsynth.seg_data import recolour
    rng = np.random.default_rng(0)
    grey, mask = toy_grains(64, 8, rng)
    grey = grey[..., 0]
    ref = np.zeros((32, 32, 3), np.uint8); ref[..., 2] = 200; ref[..., 0] = 40  # a blue reference
    a = recolour(grey, mask, ref, np.random.default_rng(1))
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert (a == recolour(grey, mask, ref, np.random.default_rng(1))).all()  # same rng state, same bytes
    assert a[..., 2].mean() > 2 * a[..., 0].mean()  # the reference's colours, not grey
    from microsynth.metrics import instances_from_boundaries
    lab = instances_from_boundaries(mask)
    for k in range(1, lab.max() + 1):  # a grain's hue is one colour: the blue/red ratio is the same across its pixels
        px = a[lab == k].astype(float) + 1
        assert np.ptp(px[:, 2] / px[:, 0]) < 0.5 * np.median(px[:, 2] / px[:, 0])
    with pytest.raises(ValueError, match=r'image \(64, 64\) and mask \(10, 64\) sizes differ'): recolour(grey, mask[:10], ref, rng)
    with pytest.raises(ValueError, match='smooth'): recolour(grey, mask, ref, rng, smooth=-1)
    assert (recolour(grey, np.zeros_like(mask) + 1, ref, rng) == np.repeat(grey[..., None], 3, 2)).all()  # all boundary: left grey


def test_palette_pool_keeps_the_labels(tmp_path):
    from microsynth.seg_data import pool_samples
    from microsynth.dataset import DatasetWriter
    rng = np.random.default_rng(0)
    with DatasetWriter(tmp_path/'02_grains_toy') as w:
        for i in range(3):
            im, m = toy_grains(64, 8, rng); w.add(f'g{i}', dict(seed=i), image=im[..., 0], mask=m)
    refs = toys(2, 64, seed=5, real=True)
    src = dict(grains=[tmp_path/'02_grains_toy'])
    grey = pool_samples('grey', 3, src, seed=0)
    pal = pool_samples('palette', 3, src, seed=0, references=refs)
    pal2 = pool_samples('palette', 3, src, seed=0, references=refs)
    assert [s.name for s in pal] == [s.name for s in grey]
    assert all((a.mask == b.mask).all() for a, b in zip(pal, grey))  # labels untouched
    assert all((a.image == b.image).all() for a, b in zip(pal, pal2))  # seeded
    assert all(np.ptp(s.image.astype(int), axis=2).max() > 0 for s in pal)  # colour, not grey
    with pytest.raises(ValueError, match='the palette pool needs references'): pool_samples('palette', 3, src)


def test_tta_is_flip_equivariant():
    from fastai.vision.learner import create_unet_model
    import torchvision.models as tvm
    torch.manual_seed(0)
    model = create_unet_model(tvm.resnet18, 2, (64, 64), pretrained=False).eval()
    im = toy_grains(112, 10, np.random.default_rng(3))[0]  # tiles at 0 and 48: the tiling is mirror-symmetric
    p = predict_probs(model, im, 64, 16, tta=True)
    for ax in (0, 1):
        q = predict_probs(model, np.flip(im, ax).copy(), 64, 16, tta=True)
        np.testing.assert_allclose(np.flip(q, ax), p, atol=1e-4)
    assert not np.allclose(p, predict_probs(model, im, 64, 16))  # and it is not the plain prediction


def test_postprocess_spec_tta():
    from microsynth.predict import postprocess_spec
    saved = dict(method='watershed', sigma=1.0, h=0.1, width=3)
    assert postprocess_spec(saved) == saved  # off: not named
    assert postprocess_spec(saved, tta=True) == {**saved, 'tta': True}
    assert postprocess_spec({**saved, 'tta': True}) == {**saved, 'tta': True}  # as saved with the model
    assert postprocess_spec({**saved, 'tta': True}, tta=False) == saved  # the option overrides it
    assert postprocess_spec({**saved, 'tta': True}, method='threshold')['tta'] is True  # kept across a change of method
    with pytest.raises(ValueError, match="tta must be True or False, got 'yes'"): postprocess_spec(saved, tta='yes')


def test_annotated_width_keeps_the_grains(tmp_path):
    from microsynth.seg_data import annotated, pool_samples
    from microsynth.metrics import instances_from_boundaries
    from microsynth.dataset import DatasetWriter
    rng = np.random.default_rng(1)
    _, m = toy_grains(96, 10, rng)
    wide = (np.asarray(m) > 0) | np.roll(m > 0, 1, 0) | np.roll(m > 0, 1, 1) | np.roll(m > 0, 2, 1)  # a 3-4 px line
    for w in (1, 3, 5):
        a = annotated(wide.astype(np.uint8), w)
        assert set(np.unique(a)) <= {0, 1}
        assert instances_from_boundaries(a > 0).max() == instances_from_boundaries(wide).max()  # the same grains
    assert annotated(wide.astype(np.uint8), 5).sum() > annotated(wide.astype(np.uint8), 1).sum()  # wider band, more pixels
    assert (annotated(np.zeros((8, 8), np.uint8), 3) == 0).all()  # no boundary: nothing drawn
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match='width must be'): annotated(wide.astype(np.uint8), bad)
    with DatasetWriter(tmp_path/'02_grains_toy') as w:
        for i in range(2):
            im, mm = toy_grains(64, 8, rng); w.add(f'g{i}', dict(seed=i), image=im[..., 0], mask=mm)
    src = dict(grains=[tmp_path/'02_grains_toy'])
    a = pool_samples('grey', 2, src, seed=0, width=3)
    b = pool_samples('grey', 2, src, seed=0)
    assert all((x.image == y.image).all() for x, y in zip(a, b)) and all((x.mask == annotated(y.mask, 3)).all() for x, y in zip(a, b))
    with pytest.raises(ValueError, match='width must be'): pool_samples('grey', 2, src, width=0)


def test_colour_jitter_changes_only_training_colours():
    from microsynth.seg_data import colour_tfms
    assert colour_tfms(0) == []
    for bad in (-0.1, 0.6, float('nan'), 'x'):
        with pytest.raises(ValueError, match='colour must be'): colour_tfms(bad)
    dls = stage_dls(toys(2), [], toys(1), crop=64, size=64, bs=2, n_batches=1, colour=0.5)
    names = [type(t).__name__ for t in dls.train.after_batch.fs]
    assert 'Hue' in names and names[-1] == 'Normalize'
    assert not {'Hue', 'Saturation'} & {type(t).__name__ for t in dls.valid.after_batch.fs}  # validation sees the images as they are
    xb, yb = dls.one_batch()
    assert xb.shape == (2, 3, 64, 64) and set(torch.unique(yb).tolist()) <= {0, 1}
