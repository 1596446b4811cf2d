"""Bad inputs at every entry point: refused before any work, with one message naming the input and its value,
and nothing partial or stale left behind. The CLI prints one line `microsynth: error: ...` and exits 2 for bad input,
1 for a failure during the work; never a traceback unless --debug."""
import io, json, os, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from PIL import Image
from microsynth.core import atomic_write
from microsynth.dataset import DatasetWriter, LOCK_FILE
from microsynth.images import save_png
from microsynth.grains import GrainParams, render
from microsynth.postprocess import clean_boundaries
from microsynth.predict import predict
from microsynth.realdata import download, load_pairs
from microsynth.runner import parse_overrides
from microsynth.seg_data import Sample
from microsynth.seg_learner import TrainSpec, load_model, save_model, train_progressive
from cli_helpers import cli, one_line, files_under

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'

def readonly_dir(tmp_path):
    "A folder no one can create files in: chmod 555, or (as root, whom chmod does not stop) /sys."
    d = tmp_path/'ro'; d.mkdir(); d.chmod(0o555)
    try: (d/'probe').touch()
    except OSError: return d
    (d/'probe').unlink(); d.chmod(0o755)
    try: (Path('/sys')/'microsynth-probe').touch()
    except OSError: return Path('/sys')
    pytest.skip('no read-only folder available')

# ---- microsynth run --set, --out, --nbs ------------------------------------------------------------------------------

def test_set_python_bool_is_refused_not_kept_as_text(tmp_path):
    rc, _, err = cli('run', '--only', '05b_seg_learner', '--out', tmp_path/'r', '--set', 'pretrained=False')
    assert rc == 2; one_line(err, '--set pretrained=False', "'False' is not a TOML value", 'pretrained=false')
    assert not (tmp_path/'r').exists()

def test_set_malformed_float_is_refused_before_the_run(tmp_path):
    rc, _, err = cli('run', '--only', '01_potts', '--out', tmp_path/'r', '--set', 'kT=0.5.5')
    assert rc == 2; one_line(err, '--set kT=0.5.5', 'not a TOML value')
    assert not (tmp_path/'r').exists()

@pytest.mark.parametrize('nb,item,msg', [
    ('01_potts', 'kT=true', 'kT in 01_potts takes a finite number'),
    ('01_potts', 'kT=nan', 'kT in 01_potts takes a finite number'),
    ('01_potts', 'kT=inf', 'kT in 01_potts takes a finite number'),
    ('05b_seg_learner', 'pretrained=1', 'pretrained in 05b_seg_learner takes true or false'),
    ('05b_seg_learner', 'pretrained="no"', 'pretrained in 05b_seg_learner takes true or false'),
    ('01_potts', 'size=32.5', 'size in 01_potts takes an integer'),
    ('05b_seg_learner', 'arch=18', 'arch in 05b_seg_learner takes text'),
    ('05b_seg_learner', 'stages=64', 'stages in 05b_seg_learner takes a list'),
    ('05f_experiments', 'colour=0.8', 'colour in 05f_experiments must be in [0, 0.5], got 0.8'),  # as colour_tfms takes it
])
def test_set_value_of_the_wrong_kind(tmp_path, nb, item, msg):
    rc, _, err = cli('run', '--only', nb, '--out', tmp_path/'r', '--set', item)
    assert rc == 2; one_line(err, f'--set {item.split("=")[0]}=', msg)
    assert not (tmp_path/'r').exists()

@pytest.mark.parametrize('item,msg', [('pretrained=False', "--set pretrained=False: 'False' is not a TOML value; TOML writes booleans in lower case"),
                                      ('kT=0.5.5', "--set kT=0.5.5: '0.5.5' is not a TOML value"), ('seed=', "--set seed=: '' is not a TOML value")])
def test_parse_overrides_refuses_what_is_not_toml(item, msg):
    with pytest.raises(ValueError) as e: parse_overrides([item])
    assert msg in str(e.value)

def test_set_text_needs_quotes():
    with pytest.raises(ValueError, match="""--set arch=resnet34: 'resnet34' is not a TOML value; text needs quotes: --set 'arch="resnet34"'"""):
        parse_overrides(['arch=resnet34'])
    assert parse_overrides(['arch="resnet34"']) == {'arch': 'resnet34'}

def test_set_int_for_float_becomes_float():
    from microsynth.runner import check_overrides
    assert check_overrides({'kT': 1}, [NBS/'01_potts.ipynb']) == {'kT': 1.0}

def test_set_given_twice():
    with pytest.raises(ValueError, match=r'--set seed is given twice \(1 and 2\)'): parse_overrides(['seed=1', 'seed=2'])

def test_out_on_a_file(tmp_path):
    f = tmp_path/'file.txt'; f.write_text('mine')
    rc, _, err = cli('run', '--only', '00_core', '--out', f)
    assert rc == 2; one_line(err, f'--out {f} is a file, not a folder')
    assert f.read_text() == 'mine'

def test_out_in_a_read_only_folder(tmp_path):
    ro = readonly_dir(tmp_path)
    rc, _, err = cli('run', '--only', '00_core', '--out', ro/'run')
    assert rc == 2; one_line(err, f'--out {ro/"run"}', 'cannot write in', str(ro))

def test_nbs_on_a_file(tmp_path):
    f = tmp_path/'x.ipynb'; f.write_text('{}')
    rc, _, err = cli('run', '--nbs', f, '--out', tmp_path/'r')
    assert rc == 2; one_line(err, f'--nbs {f} is a file, not a folder')

def test_argparse_errors_are_one_line():
    rc, _, err = cli('run', '--profile')
    assert rc == 2; one_line(err, 'argument --profile: expected one argument', 'microsynth run -h')
    rc, _, err = cli()
    assert rc == 2; one_line(err, 'the following arguments are required: cmd')

def test_debug_shows_the_traceback(tmp_path):
    f = tmp_path/'file.txt'; f.write_text('x')
    rc, _, err = cli('--debug', 'run', '--only', '00_core', '--out', f)
    assert rc == 1 and 'Traceback' in err and 'is a file, not a folder' in err

# ---- microsynth data fetch ----------------------------------------------------------------------------------------------

def test_data_fetch_without_network(tmp_path):
    "No network (a proxy that refuses every connection): one line naming the data set and file, exit 1, nothing written."
    off = {'https_proxy': 'http://127.0.0.1:9', 'HTTPS_PROXY': 'http://127.0.0.1:9', 'no_proxy': '', 'NO_PROXY': ''}
    rc, _, err = cli('data', 'fetch', 'tbm', '--dest', tmp_path/'d', env=off)
    assert rc == 1; one_line(err, 'cannot download tbm file', 'raw.githubusercontent.com', 'MICROSYNTH_DATA')
    assert files_under(tmp_path/'d') == []

def test_data_fetch_unknown_name_and_dest_on_a_file(tmp_path):
    rc, _, err = cli('data', 'fetch', 'tbn', '--dest', tmp_path)
    assert rc == 2; one_line(err, 'data fetch tbn: no such data set', 'tbm')
    f = tmp_path/'f'; f.write_text('x')
    rc, _, err = cli('data', 'fetch', 'tbm', '--dest', f)
    assert rc == 2; one_line(err, f'--dest {f} is a file, not a folder')

# ---- models: load_model / predict -------------------------------------------------------------------------------------

def toy(size, seed):
    rng = np.random.default_rng(seed)
    im = rng.integers(0, 255, (size, size, 3), dtype=np.uint8); m = (rng.random((size, size)) < .1).astype(np.uint8)
    return Sample(f'toy{seed}', im, m, True)

@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    learn = train_progressive([toy(64, 0), toy(64, 1)], [], [toy(64, 2)], TrainSpec([[64, 1, True]], crop=64, bs=2, batches_per_epoch=1), seed=0)
    return save_model(learn, tmp_path_factory.mktemp('model'))

def broken_model(tmp_path, model_dir, cfg=None, pth=None):
    d = tmp_path/'broken'; d.mkdir(exist_ok=True)
    (d/'model.json').write_text(cfg if cfg is not None else (model_dir/'model.json').read_text())
    (d/'model.pth').write_bytes(pth if pth is not None else (model_dir/'model.pth').read_bytes())
    return d

def torch_bytes(obj):
    buf = io.BytesIO(); torch.save(obj, buf); return buf.getvalue()

@pytest.mark.parametrize('what,make,msg', [
    ('pth garbage', lambda m: dict(pth=b'not torch at all'), 'not a model saved by microsynth (model.pth is not a torch.save archive'),
    ('pth truncated', lambda m: dict(pth=(m/'model.pth').read_bytes()[:4000]), 'model.pth is not a torch.save archive: truncated'),
    ('pth pickles code', lambda m: dict(pth=torch_bytes({'w': print})), 'model.pth is not a file of PyTorch weights: it holds Python objects'),
    ('pth not a dict', lambda m: dict(pth=torch_bytes([torch.zeros(2)])), 'model.pth holds no state dict of tensors'),
    ('json not json', lambda m: dict(cfg='{"arch": '), 'model.json is not JSON'),
    ('json a list', lambda m: dict(cfg='[1, 2]'), 'model.json holds list, not an object'),
    ('json arch', lambda m: dict(cfg='{"arch": "vgg16", "n_out": 2, "crop": 64}'), "arch 'vgg16' is neither"),
    ('json n_out', lambda m: dict(cfg='{"arch": "resnet18", "n_out": 3, "crop": 64}'), 'n_out 3, expected 2 classes'),
    ('json crop', lambda m: dict(cfg='{"arch": "resnet18", "n_out": 2, "crop": "big"}'), "crop 'big' is not a tile size"),
    ('json other arch', lambda m: dict(cfg='{"arch": "resnet34", "n_out": 2, "crop": 64}'), 'model.pth does not fit the resnet34 U-Net of model.json'),
])
def test_corrupt_or_mismatched_model(tmp_path, model_dir, what, make, msg):
    d = broken_model(tmp_path, model_dir, **make(model_dir))
    with pytest.raises(ValueError) as e: load_model(d)
    assert str(e.value).startswith(f'MODEL {d}: ') and msg in str(e.value) and 'weights_only' not in str(e.value)

def test_corrupt_model_on_the_command_line(tmp_path, model_dir):
    d = broken_model(tmp_path, model_dir, pth=torch_bytes({'w': print}))
    src = tmp_path/'in'; src.mkdir(); save_png(src/'a.png', toy(40, 5).image)
    rc, _, err = cli('predict', d, src, tmp_path/'out')
    assert rc == 2; one_line(err, f'MODEL {d}: not a model saved by microsynth')
    assert 'weights_only' not in err and not (tmp_path/'out').exists()

def test_model_path_kinds(tmp_path, model_dir):
    with pytest.raises(ValueError, match=f'MODEL {model_dir/"model.pth"} is a file'): load_model(model_dir/'model.pth')
    with pytest.raises(FileNotFoundError, match='model.json not found'): load_model(tmp_path)
    with pytest.raises(ValueError, match="device must be a torch device such as 'cpu'.*got 'gpu'"): load_model(model_dir, device='gpu')

def test_save_model_checks_arch_and_crop(tmp_path, model_dir):
    model, _ = load_model(model_dir)
    with pytest.raises(ValueError, match="unknown arch 'resnet9'"): save_model(model, tmp_path/'m', arch='resnet9', crop=64)
    with pytest.raises(ValueError, match='crop must be an integer, got 64.5'): save_model(model, tmp_path/'m', arch='resnet18', crop=64.5)
    assert not (tmp_path/'m').exists()

@pytest.fixture
def images(tmp_path):
    "Two good PNGs, a 16-bit TIFF and a truncated PNG."
    src = tmp_path/'in'; src.mkdir()
    for i in (0, 1): save_png(src/f'good{i}.png', toy(48, 10 + i).image)
    Image.fromarray(np.full((48, 48), 40000, np.uint16)).save(src/'deep16.tif')
    (src/'cut.png').write_bytes((src/'good0.png').read_bytes()[:200])
    return src

def test_predict_skips_16bit_tiff_and_truncated_png(tmp_path, model_dir, images):
    rc, out, err = cli('predict', model_dir, images, tmp_path/'out')
    assert rc == 1  # some images failed: the exit status says so
    assert '2 of 4 images failed' in err and 'deep16.tif' in err and '16-bit' in err and 'cut.png' in err and 'Traceback' not in err
    f = pd.read_csv(tmp_path/'out'/'failed.csv')
    assert sorted(f.name) == ['cut.png', 'deep16.tif']
    assert sorted(pd.read_csv(tmp_path/'out'/'grains.csv').name) == ['good0.png', 'good1.png']
    assert files_under(tmp_path/'out'/'masks') == ['good0.png', 'good1.png'] == files_under(tmp_path/'out'/'overlays')
    assert '[1/4] cut.png: skipped' in err and '[3/4] good0.png: 48x48' in err  # a line per image as it finishes

def test_predict_rerun_leaves_only_its_own_results(tmp_path, model_dir, images):
    out = tmp_path/'out'
    predict(model_dir, images, out)
    assert (out/'failed.csv').exists()
    for f in ('deep16.tif', 'cut.png', 'good1.png'): (images/f).unlink()
    res = predict(model_dir, images, out)
    assert res['failed'] == [] and not (out/'failed.csv').exists()
    assert files_under(out) == [LOCK_FILE, 'grains.csv', 'masks/good0.png', 'overlays/good0.png', 'predict.json']  # the lock file stays: see FolderLock.release
    assert list(pd.read_csv(out/'grains.csv').name) == ['good0.png']

@pytest.mark.parametrize('opt,msg', [
    (dict(pixel_size_um=0), 'pixel_size_um must be in (0, inf], got 0'),
    (dict(pixel_size_um=float('nan')), 'pixel_size_um must be a finite number, got nan'),
    (dict(threshold=1.5), 'threshold must be in [0, 1], got 1.5'),
    (dict(close_radius=-1), 'close_radius must be in [0, inf], got -1'),
    (dict(open_radius=1.5), 'open_radius must be an integer, got 1.5'),
    (dict(overlap=64), "overlap must be below the model's tile of 64 px, got 64"),
    (dict(device='cuda:7' if torch.cuda.is_available() else 'cuda'), "device='cuda"),
])
def test_predict_options_checked_before_the_first_image(tmp_path, model_dir, images, opt, msg):
    with pytest.raises(ValueError) as e: predict(model_dir, images, tmp_path/'out', **opt)
    assert msg in str(e.value)
    assert not (tmp_path/'out').exists()  # nothing written, not even the folder

@pytest.mark.parametrize('args,msg', [
    (['--threshold', '1.5'], 'argument --threshold: must be in [0, 1], got 1.5'),
    (['--threshold', 'high'], "argument --threshold: expected a number, got 'high'"),
    (['--pixel-size-um', '-0.5'], 'argument --pixel-size-um: must be in (0, inf], got -0.5'),
    (['--overlap', '-3'], 'argument --overlap: must be in [0, inf], got -3'),
    (['--device', 'gpu'], "device must be a torch device such as 'cpu', 'cuda' or 'cuda:1', got 'gpu'"),
])
def test_predict_cli_options(tmp_path, model_dir, images, args, msg):
    rc, _, err = cli('predict', model_dir, images, tmp_path/'out', *args)
    assert rc == 2; one_line(err, msg)
    assert not (tmp_path/'out').exists()

def test_predict_out_folder_of_someone_else_is_refused(tmp_path, model_dir, images):
    out = tmp_path/'mine'; (out/'masks').mkdir(parents=True); (out/'masks'/'hand.png').write_bytes(b'x'); (out/'notes.txt').write_text('keep')
    with pytest.raises(ValueError, match=f'out folder {out} holds files predict did not write \\(notes.txt\\)'): predict(model_dir, images, out)
    assert files_under(out) == ['masks/hand.png', 'notes.txt']
    with pytest.raises(ValueError, match='holds files predict did not write'): predict(model_dir, images, images)  # into the input folder
    f = tmp_path/'f.txt'; f.write_text('x')
    with pytest.raises(ValueError, match=f'out folder {f} is a file, not a folder'): predict(model_dir, images, f)

def test_predict_folder_kinds(tmp_path, model_dir):
    (tmp_path/'empty').mkdir()
    with pytest.raises(ValueError, match='image folder .*empty holds no images'): predict(model_dir, tmp_path/'empty', tmp_path/'o')
    with pytest.raises(FileNotFoundError, match='image folder .*nowhere does not exist'): predict(model_dir, tmp_path/'nowhere', tmp_path/'o')
    assert not (tmp_path/'o').exists()

def test_predict_same_stem_twice(tmp_path, model_dir):
    src = tmp_path/'in'; src.mkdir()
    save_png(src/'a.png', toy(40, 1).image); Image.fromarray(toy(40, 2).image).save(src/'a.tif')
    res = predict(model_dir, src, tmp_path/'out')
    assert res['done'] == ['a.png'] and res['failed'][0]['name'] == 'a.tif' and 'same name as a.png' in res['failed'][0]['error']

def test_clean_boundaries_options():
    p = np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError, match='threshold must be a finite number, got nan'): clean_boundaries(p, threshold=float('nan'))
    with pytest.raises(ValueError, match='min_size must be an integer, got 2.5'): clean_boundaries(p, min_size=2.5)
    with pytest.raises(ValueError, match='width must be in \\[1, inf\\], got 0'): clean_boundaries(p, width=0)

# ---- GrainParams -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('field,value,msg', [
    ('spline_amp', float('inf'), 'must be a finite number, got inf'),
    ('white_noise', float('nan'), 'must be a finite number, got nan'),
    ('grain_mean', float('inf'), 'must be a finite number, got inf'),
    ('jitter', float('inf'), 'must be a finite number, got inf'),
    ('stretch', float('-inf'), 'must be a finite number, got -inf'),
    ('perlin_amp', '0.1', "must be a number, got '0.1'"),
    ('perlin_amp', 3.0, 'must be in [0, 1]'),
    ('n_grains', float('inf'), 'must be an int, got inf'),
    ('boundary_width', 2.5, 'must be an int, got 2.5'),
])
def test_grain_params_refuse_non_finite_and_out_of_range(tmp_path, field, value, msg):
    with pytest.raises(ValueError) as e: GrainParams(**{field: value})
    assert f'GrainParams.{field} {msg}' in str(e.value)
    with pytest.raises(ValueError, match=f'GrainParams.{field}'): render(size=32, **{field: value})

def test_grain_ranges_refuse_infinite():
    with pytest.raises(ValueError, match=r'range diameter must be a \(lo, hi\) pair of finite numbers'):
        GrainParams.sample(np.random.default_rng(0), 64, ranges=dict(diameter=(24., float('inf'))))

# ---- files get the user's umask --------------------------------------------------------------------------------------

@pytest.mark.parametrize('umask', [0o022, 0o002, 0o077])
def test_atomic_write_follows_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        atomic_write(tmp_path/'a.txt', 'x')
        with DatasetWriter(tmp_path/'ds') as w: w.add('s0', dict(k=1), mask=np.zeros((4, 4), np.uint8))
    finally: os.umask(old)
    for f in (tmp_path/'a.txt', tmp_path/'ds'/'masks'/'s0.png', tmp_path/'ds'/'params.csv'):
        assert f.stat().st_mode & 0o777 == 0o666 & ~umask, (f, oct(f.stat().st_mode))

def test_saved_model_is_readable_by_others(model_dir):
    for f in ('model.pth', 'model.json'): assert (model_dir/f).stat().st_mode & 0o044 == 0o044  # under the usual umask 022

# ---- paths and numbers in the library -------------------------------------------------------------------------------

def test_check_helpers(tmp_path):
    from microsynth.core import check_number, check_out_dir
    with pytest.raises(ValueError, match='kT must be a finite number, got inf'): check_number('kT', float('inf'))
    with pytest.raises(ValueError, match=r'n must be in \[1, 10\], got 11'): check_number('n', 11, 1, 10, integer=True)
    f = tmp_path/'f'; f.write_text('x')
    with pytest.raises(ValueError, match=f'out {f}/sub: {f} is a file, not a folder'): check_out_dir(f/'sub', 'out')

def test_load_pairs_paths_and_threshold(tmp_path):
    f = tmp_path/'f.png'; f.write_text('x')
    with pytest.raises(ValueError, match=f'real-data folder {f} is a file, not a folder'): load_pairs(f)
    with pytest.raises(ValueError, match=r'threshold must be in \[0, 65535\], got -1'): load_pairs(tmp_path, threshold=-1)

# ---- 00c holds on any copy of the real data --------------------------------------------------------------------------

def test_realdata_notebook_holds_on_another_copy(tmp_path, data_dir):
    "The 00c notebook's tests on a copy with another number of TBM pairs than the local one (a user's fetched set has 80)."
    ims = sorted((data_dir/'tbm'/'images').iterdir())
    keep = [p for p in ims if p.name == 'train-20-0-1024.png'] + [p for p in ims if p.name != 'train-20-0-1024.png'][:19]
    for d in ('images', 'masks'):
        (tmp_path/'tbm'/d).mkdir(parents=True)
        for p in keep: (tmp_path/'tbm'/d/p.name).symlink_to(data_dir/'tbm'/d/p.name)
    (tmp_path/'mt-cracks').symlink_to(data_dir/'mt-cracks')
    r = subprocess.run([str(Path(sys.executable).parent/'nbdev_test'), '--path', '00c_realdata.ipynb'], cwd=NBS, capture_output=True, text=True,
                       env={**os.environ, 'PYTHONPATH': str(ROOT), 'MICROSYNTH_DATA': str(tmp_path)})
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]

# ---- writers refuse before the folder exists -------------------------------------------------------------------------

def test_dataset_writer_on_a_file(tmp_path):
    f = tmp_path/'ds'; f.write_text('mine')
    with pytest.raises(ValueError, match=f'dataset folder {f} is a file, not a folder'): DatasetWriter(f)
    assert f.read_text() == 'mine'

@pytest.mark.parametrize('kw,msg', [(dict(kT=float('nan')), 'kT must be a finite number, got nan'), (dict(mcs=2.5), 'mcs must be an integer, got 2.5'),
                                    (dict(kT=-1.), r'kT must be in \[0, inf\], got -1.0')])
def test_potts_write_slices_checks_first(tmp_path, kw, msg):
    from microsynth.potts import write_slices
    with pytest.raises(ValueError, match=msg): write_slices(tmp_path/'slices', 8, **{'mcs': 2, **kw})
    assert not (tmp_path/'slices').exists()

def test_download_dest_on_a_file(tmp_path):
    f = tmp_path/'tbm'; f.write_text('x')
    with pytest.raises(ValueError, match=f'dest {f} is a file, not a folder'): download('tbm', f, fetch=lambda sp: 1/0, files=['images/train-20-0-1024.png'])

def test_grain_table_pixel_size():
    from microsynth.metrics import grain_table, grain_summary
    with pytest.raises(ValueError, match=r'pixel_size_um must be in \(0, inf\], got -1'): grain_table(np.ones((4, 4), int), pixel_size_um=-1)
    with pytest.raises(ValueError, match='pixel_size_um must be a finite number, got inf'): grain_summary(np.zeros((4, 4), np.uint8), float('inf'))

def test_predict_probs_progress_bar_same_result(model_dir, capsys):
    "Long work shows progress (a bar over batches of tiles, in a terminal); it changes nothing in the result."
    from microsynth.seg_learner import predict_probs
    model, _ = load_model(model_dir)
    im = toy(160, 3).image
    a, b = predict_probs(model, im, 64, 16, bs=1, progress=True), predict_probs(model, im, 64, 16, bs=1)
    assert np.array_equal(a, b)

def test_polygon_csv_path_kinds(tmp_path):
    from microsynth.realdata import polygon_masks
    with pytest.raises(FileNotFoundError, match=f'polygon CSV {tmp_path/"none.csv"} does not exist'): polygon_masks(tmp_path/'none.csv', (8, 8))
    with pytest.raises(ValueError, match=f'polygon CSV {tmp_path} is a folder, not a file'): polygon_masks(tmp_path, (8, 8))

# ---- batches carry on past a bad item: generate, translate ------------------------------------------------------------

def render_failing_at(i):
    "`grains.render`, except that sample `i` of a dataset with seed 0 raises: a scenario the renderer cannot draw."
    from microsynth.grains_generate import sample_seed
    def fails(p, size, seed):
        if seed == sample_seed(0, i): raise ValueError('no grains fit in this scenario')
        return render(p, size, seed)
    return fails

def test_generate_skips_a_scenario_that_raises_and_a_rerun_completes_it(tmp_path, monkeypatch, capsys):
    import microsynth.grains_generate as gg
    from microsynth.dataset import read_dataset
    from microsynth.core import read_failed
    monkeypatch.setattr(gg, 'render', render_failing_at(1))
    gg.generate(3, tmp_path/'g', size=64)
    assert read_failed(tmp_path/'g') == [dict(name='000001', error='no grains fit in this scenario')]
    err = capsys.readouterr().err
    assert '[2/3] 000001: skipped: no grains fit' in err and '1 of 3 images failed (also in failed.csv)' in err
    assert [f for f in files_under(tmp_path/'g') if '000001' in f] == []  # nothing partial of the bad one
    assert list(read_dataset(tmp_path/'g')['id']) == ['000000', '000002']
    monkeypatch.undo()
    gg.generate(3, tmp_path/'g', size=64); gg.generate(3, tmp_path/'clean', size=64)
    assert not (tmp_path/'g'/'failed.csv').exists()  # the rerun's own result: nothing failed
    assert files_under(tmp_path/'g') == files_under(tmp_path/'clean')
    for f in files_under(tmp_path/'clean'):
        if f.endswith('.png'): assert (tmp_path/'g'/f).read_bytes() == (tmp_path/'clean'/f).read_bytes(), f  # same seed, same bytes

def test_dataset_writer_leaves_nothing_of_a_sample_that_fails_half_way(tmp_path, monkeypatch):
    import microsynth.dataset as dataset
    real_save = dataset.save_png
    def disk_full(path, arr):
        if Path(path).parent.name == 'labels': raise OSError(28, 'No space left on device')
        return real_save(path, arr)
    monkeypatch.setattr(dataset, 'save_png', disk_full)
    with DatasetWriter(tmp_path/'ds') as w:
        with pytest.raises(OSError, match='No space left'): w.add('s0', {}, image=np.zeros((4, 4), np.uint8), labels=np.ones((4, 4), np.int32))
    assert files_under(tmp_path/'ds') == ['.microsynth.lock']  # the image written before the labels failed is gone, and no row (the lock file stays, unlocked)

TINY_P2P = dict(num_downs=5, ngf=4, ndf=4, n_epochs=1, n_epochs_decay=1, seed=3)

@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    from microsynth.pix2pix import Pix2Pix, save_checkpoint
    return save_checkpoint(Pix2Pix(TINY_P2P), tmp_path_factory.mktemp('p2p')/'last.pt')

@pytest.fixture
def labels_with_a_corrupt_one(tmp_path):
    "A 3-sample Voronoi label dataset whose sample 1 has a label image cut short."
    from microsynth.translate import make_voronoi_dataset
    src = make_voronoi_dataset(tmp_path/'vor', n=3, size=32, n_grains=5, seed=1)
    f = src/'labels'/'voronoi-0001.png'; f.write_bytes(f.read_bytes()[:50])
    return src

def test_translate_skips_a_corrupt_label_image(tmp_path, checkpoint, labels_with_a_corrupt_one, capsys):
    from microsynth.dataset import read_dataset
    from microsynth.core import read_failed
    from microsynth.translate import load_generator, make_voronoi_dataset, translate_dataset
    G, gid = load_generator(checkpoint)
    out = translate_dataset(labels_with_a_corrupt_one, tmp_path/'syn', G, gid, seed=2)
    failed = read_failed(out)
    assert [f['name'] for f in failed] == ['voronoi-0001'] and 'voronoi-0001.png is not a readable image' in failed[0]['error']
    assert '1 of 3 samples failed (also in failed.csv)' in capsys.readouterr().err
    assert list(read_dataset(out)['id']) == ['voronoi-0000', 'voronoi-0002']
    assert [f for f in files_under(out) if '0001' in f] == []
    clean = translate_dataset(make_voronoi_dataset(tmp_path/'vor2', n=3, size=32, n_grains=5, seed=1), tmp_path/'clean', G, gid, seed=2)
    for f in ('images/voronoi-0000.png', 'images/voronoi-0002.png'): assert (out/f).read_bytes() == (clean/f).read_bytes()  # same bytes as without the bad one

def test_translate_on_the_command_line_exits_1_and_a_fixed_rerun_leaves_only_its_results(tmp_path, checkpoint, labels_with_a_corrupt_one):
    rc, out, err = cli('translate', checkpoint, labels_with_a_corrupt_one, tmp_path/'syn')
    assert rc == 1 and 'Traceback' not in err
    assert err.splitlines()[-1] == f"microsynth: error: 1 sample failed: voronoi-0001 (listed in {tmp_path/'syn'/'failed.csv'}; the others are done)"
    assert '[1/3] voronoi-0000' in err and '[2/3] voronoi-0001: skipped' in err  # a line per sample as it goes
    from microsynth.translate import make_voronoi_dataset
    make_voronoi_dataset(tmp_path/'fixed', n=3, size=32, n_grains=5, seed=1)
    (labels_with_a_corrupt_one/'labels'/'voronoi-0001.png').write_bytes((tmp_path/'fixed'/'labels'/'voronoi-0001.png').read_bytes())
    rc, _, err = cli('translate', checkpoint, labels_with_a_corrupt_one, tmp_path/'syn')
    assert rc == 0 and 'microsynth: error' not in err and not (tmp_path/'syn'/'failed.csv').exists()
    assert len(pd.read_csv(tmp_path/'syn'/'params.csv')) == 3

def test_generate_on_the_command_line(tmp_path):
    rc, _, err = cli('generate', 'grains', '--n', '2.5', '--out', tmp_path/'g')
    assert rc == 2; one_line(err, "argument --n: expected an integer, got '2.5'")
    f = tmp_path/'f'; f.write_text('mine')
    rc, _, err = cli('generate', 'grains', '--n', '2', '--out', f, '--size', '64')
    assert rc == 2; one_line(err, f'out_dir {f} exists and is not a folder')
    rc, _, err = cli('generate', 'shapes', '--n', '2', '--out', tmp_path/'g')
    assert rc == 2; one_line(err, "argument {grains,potts,cracks,translate}: invalid choice: 'shapes'")
    for bad in ('nonsense://x', '10.1.1.1'):  # refused before connecting, and before the folder exists
        rc, _, err = cli('generate', 'potts', '--n', '1', '--out', tmp_path/'g', '--scheduler', bad)
        assert rc == 2; one_line(err, f"scheduler {bad!r}")
    rc, _, err = cli('generate', 'translate', '--n', '1', '--out', tmp_path/'g', '--checkpoint', tmp_path/'none.pt', '--src', tmp_path)
    assert rc == 2; one_line(err, f"CHECKPOINT {tmp_path/'none.pt'} does not exist")
    assert f.read_text() == 'mine' and not (tmp_path/'g').exists()

@pytest.mark.parametrize('args,msg', [(('--size', '1300'), '--size 1300: 2197000000 sites, more than int32 ids can number'),
                                      (('--size', '1200'), '--size 1200: its sites must be in [1, '),   # 1.7e9 sites: more than half the memory
                                      (('--size', '9', '--device', 'cpu'), '--size 9: simulate_torch needs even sides'),
                                      (('--n', '1000000000'), '--n must be in [1, '), (('--workers', '100000'), '--workers must be in [1, '),
                                      (('--device', 'tpu'), "--device must be a torch device such as 'cpu', 'cuda' or 'cuda:1', got 'tpu'")])
def test_generate_potts_errors_name_the_options_given(tmp_path, args, msg):
    "The user gave --size, not a shape: each error names the option and the value given, before the folder exists."
    rc, _, err = cli('generate', 'potts', '--n', '1', '--out', tmp_path/'p', *args)
    assert rc == 2; one_line(err, msg)
    assert 'shape' not in err and not (tmp_path/'p').exists()

# ---- pix2pix checkpoints: tensors only, refused with the file's name --------------------------------------------------

def old_format(run):
    "A checkpoint as microsynth wrote it before the tensors-only format: numpy's RNG state pickled as an object."
    return torch_bytes(dict(cfg=run.cfg, arch=run.arch, fingerprint=run.fingerprint(), epoch=0, history=[], G=run.G.state_dict(),
                            rng=dict(numpy=np.random.get_state())))

@pytest.mark.parametrize('what,make,msg', [
    ('garbage', lambda ck, run: b'not torch at all', 'last.pt is not a torch.save archive: truncated, or another format'),
    ('truncated', lambda ck, run: ck.read_bytes()[:3000], 'last.pt is not a torch.save archive: truncated'),
    ('pickles code', lambda ck, run: torch_bytes({'G': print}), 'last.pt is not a file of PyTorch weights: it holds Python objects'),
    ('old format', lambda ck, run: old_format(run), 'it holds Python objects, not only tensors; a checkpoint of a microsynth older than this format must be trained again'),
    ('foreign state dict', lambda ck, run: torch_bytes(run.G.state_dict()), "no 'microsynth pix2pix checkpoint 2' tag"),
    ('settings not json', lambda ck, run: torch_bytes({**torch.load(ck, weights_only=True), 'meta': '{"cfg": '}), 'its settings are not readable'),
    ('unknown setting', lambda ck, run: torch_bytes({**torch.load(ck, weights_only=True), 'meta': json.dumps(dict(cfg=dict(ngf_typo=3)))}), 'unknown pix2pix settings'),
])
def test_corrupt_or_foreign_checkpoint(tmp_path, checkpoint, what, make, msg):
    from microsynth.pix2pix import Pix2Pix, read_checkpoint
    from microsynth.translate import load_generator
    ck = tmp_path/'last.pt'; ck.write_bytes(make(checkpoint, Pix2Pix(TINY_P2P)))
    for load in (read_checkpoint, load_generator):
        with pytest.raises(ValueError) as e: load(ck)
        m = str(e.value)
        assert m.startswith(f'CHECKPOINT {ck}: not a pix2pix checkpoint saved by microsynth (') and msg in m and 'weights_only' not in m, m

def test_checkpoint_whose_generator_does_not_fit_its_settings(tmp_path, checkpoint):
    from microsynth.pix2pix import Pix2Pix
    from microsynth.translate import load_generator
    s = torch.load(checkpoint, weights_only=True); s['G'] = Pix2Pix({**TINY_P2P, 'ngf': 8}).G.state_dict()
    ck = tmp_path/'last.pt'; ck.write_bytes(torch_bytes(s))
    with pytest.raises(ValueError, match=f'CHECKPOINT {ck}: its generator does not fit'): load_generator(ck)

def test_corrupt_checkpoint_on_the_command_line(tmp_path, checkpoint, labels_with_a_corrupt_one):
    ck = tmp_path/'last.pt'; ck.write_bytes(checkpoint.read_bytes()[:3000])
    rc, _, err = cli('translate', ck, labels_with_a_corrupt_one, tmp_path/'syn')
    assert rc == 2; one_line(err, f'CHECKPOINT {ck}: not a pix2pix checkpoint saved by microsynth', 'truncated')
    assert 'weights_only' not in err and not (tmp_path/'syn').exists()
    rc, _, err = cli('translate', checkpoint, labels_with_a_corrupt_one, tmp_path/'syn', '--width', '0')
    assert rc == 2; one_line(err, 'argument --width: must be in [1, inf], got 0')
    assert not (tmp_path/'syn').exists()

@pytest.mark.parametrize('kw, msg', [(dict(n_pixels=1), r'n_pixels must be in \[2, inf\], got 1'), (dict(n_trees=2.5), 'n_trees must be an integer, got 2.5'),
                                    (dict(max_depth=0), r'max_depth must be in \[1, inf\], got 0')])
def test_forest_options_checked_before_any_work(kw, msg):
    from microsynth.baselines import train_forest
    with pytest.raises(ValueError, match=msg): train_forest([toy(64, 1)], **kw)
    with pytest.raises(ValueError, match='training crops are empty'): train_forest([])

def test_experiments_options():
    from microsynth.experiments import check_regimes
    from microsynth.postprocess import pick_postprocess
    with pytest.raises(ValueError, match="regime 'F' has an empty training set"): check_regimes([['F', 0, 'forest']])
    with pytest.raises(ValueError, match="unknown objective 'iou'"): pick_postprocess([np.zeros((8, 8))], [toy(8, 1)], objective='iou')
    from microsynth.seg_models import check_arch
    with pytest.raises(ValueError, match="unknown arch 'unet'"): check_arch('unet')

def test_train_refuses_pretrained_cpu_unet_before_any_work(tmp_path):
    rc, _, err = cli('train', tmp_path/'no-such-data', '--out', tmp_path/'m', '--arch', 'unet_cpu', '--pretrained')
    assert rc == 2
    one_line(err, "arch 'unet_cpu' has no pretrained weights")
    assert not (tmp_path/'m').exists()
