"""A dataset survives two writers, a changed recipe and a half-finished copy; every option is checked before any
work. Faults are made with real processes (a second `microsynth` at once, kill -9, a full tmpfs), not mocks."""
import hashlib, json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
from microsynth.dataset import DatasetWriter, LOCK_FILE, RECIPE_FILE, read_dataset
from microsynth.core import memory_bound, check_count, check_workers
from microsynth.images import load_image, save_png
from microsynth.grains import RENDER_BYTES, image_shape
from microsynth.grains_generate import generate
from microsynth.potts import write_slices

from cli_helpers import ROOT, MICROSYNTH, ENV, cli, one_line, files_under

def digest(folder, ids):
    "SHA-256 of the image, mask and labels files of `ids` in `folder`."
    h = hashlib.sha256()
    for i in ids:
        for kind in ('images', 'masks', 'labels'): h.update((Path(folder)/kind/f'{i}.png').read_bytes())
    return h.hexdigest()

def locked_by(p, out, ready=lambda: True, seconds=60):
    "Process `p`, returned once it holds folder `out`'s lock (its lock file names it) and `ready()` holds; the test fails if it ends first."
    for _ in range(int(seconds / 0.05)):
        lock = out/LOCK_FILE
        if lock.exists() and f'process {p.pid} ' in lock.read_text() and ready(): return p
        if p.poll() is not None: pytest.fail(f'the writer ended before it locked {out}: {p.stderr.read()}')
        time.sleep(0.05)
    p.kill()
    pytest.fail(f'no lock of process {p.pid} in {out} after {seconds} s')

def start_writer(out, n=3000, size=48):
    "A `microsynth generate grains` process, returned once it holds the folder's lock."
    p = subprocess.Popen([MICROSYNTH, 'generate', 'grains', '--n', str(n), '--size', str(size), '--out', str(out)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    return locked_by(p, out)

# ---- two writers, kill -9 ---------------------------------------------------------------------------------------------

def test_a_second_writer_is_refused_at_once_and_a_kill_9_leaves_no_stale_lock(tmp_path):
    out = tmp_path/'g'
    first = start_writer(out)
    t0 = time.time()
    rc, _, err = cli('generate', 'grains', '--n', '3000', '--size', '48', '--out', out)
    assert rc == 2
    one_line(err, f'dataset folder {out} is being written by process {first.pid}', 'generate grains', 'one writer at a time')
    assert first.poll() is None  # refused while the first was still writing, not after it
    first.send_signal(signal.SIGKILL)
    first.wait()
    # the kernel released the dead writer's lock: a re-run (of a shorter job) takes the folder and finishes it
    rc, _, err = cli('generate', 'grains', '--n', '30', '--size', '48', '--out', out)
    assert rc == 0, err
    df = read_dataset(out, check=True)
    assert not df['id'].duplicated().any() and len(df) >= 30
    generate(30, tmp_path/'clean', size=48)
    ids = [f'{i:06d}' for i in range(30)]
    assert digest(out, ids) == digest(tmp_path/'clean', ids)
    assert not [f for f in files_under(out) if f.endswith('.tmp')]

def test_two_writers_in_one_process_and_a_lock_released_on_close(tmp_path):
    with DatasetWriter(tmp_path/'d') as w:
        w.add('a', dict(seed=0), image=np.zeros((4, 4), np.uint8))
        with pytest.raises(ValueError, match=f"dataset folder {tmp_path/'d'} is being written by process {os.getpid()}"): DatasetWriter(tmp_path/'d')
    with DatasetWriter(tmp_path/'d') as w: assert len(w) == 1  # released on close
    with pytest.raises(ValueError, match='id'):
        with DatasetWriter(tmp_path/'d') as w: w.add('b', {'id': 2}, image=np.zeros((4, 4), np.uint8))
    with DatasetWriter(tmp_path/'d') as w: assert len(w) == 1  # ... and when the work raised

def test_read_dataset_refuses_repeated_ids_and_a_rerun_drops_them(tmp_path):
    generate(4, tmp_path/'g', size=32)
    pf = tmp_path/'g'/'params.csv'
    lines = pf.read_text().splitlines(keepends=True)
    pf.write_text(''.join(lines + lines[1:3]))  # what two writers at once left before folders were locked
    with pytest.raises(ValueError, match=r"lists 2 id\(s\) more than once \(000000, 000001\): two writers"): read_dataset(tmp_path/'g', check=True)
    generate(4, tmp_path/'g', size=32)  # a re-run keeps one row per id
    assert list(read_dataset(tmp_path/'g', check=True)['id']) == [f'{i:06d}' for i in range(4)]
    pf.write_text(pf.read_text() + pf.read_text().splitlines(keepends=True)[1].replace(',32,', ',33,', 1))  # the same id, another row
    with pytest.raises(ValueError, match='lists sample 000000 twice with different parameters'): generate(4, tmp_path/'g', size=32)

# ---- a resume with another recipe ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('first,second,named', [
    (('--size', '32'), ('--size', '48'), 'size 32 (this run: 48)'),
    (('--size', '32', '--seed', '1'), ('--size', '32', '--seed', '2'), 'seed 1 (this run: 2)'),
])
def test_grains_resume_with_other_options_is_refused(tmp_path, first, second, named):
    out = tmp_path/'g'
    assert cli('generate', 'grains', '--n', '2', '--out', out, *first)[0] == 0
    before = {f: (out/f).read_bytes() for f in files_under(out)}
    rc, _, err = cli('generate', 'grains', '--n', '4', '--out', out, *second)
    assert rc == 2
    one_line(err, f'{out} was made with other options: {named}')
    assert {f: (out/f).read_bytes() for f in files_under(out)} == before  # nothing written, nothing removed
    assert cli('generate', 'grains', '--n', '4', '--out', out, *first)[0] == 0  # the same options extend it
    assert len(read_dataset(out, check=True)) == 4

def test_potts_resume_names_each_option_that_differs(tmp_path):
    out = tmp_path/'p'
    assert cli('generate', 'potts', '--n', '1', '--size', '8', '--mcs', '2', '--out', out)[0] == 0
    rc, _, err = cli('generate', 'potts', '--n', '1', '--size', '8', '--mcs', '3', '--kT', '0.7', '--out', out)
    assert rc == 2
    one_line(err, 'kT 0.5 (this run: 0.7); mcs 2 (this run: 3)')

def test_a_folder_of_another_generator_is_refused(tmp_path):
    write_slices(tmp_path/'d', 8, 2, spacing=4)
    with pytest.raises(ValueError, match=r'generator "potts" \(this run: "grains"\)'): generate(2, tmp_path/'d', size=32)

def test_a_folder_seeded_by_an_older_scheme_is_refused(tmp_path):
    "A grains folder whose sample seeds came from the formula before child_seed (recipe without seeding): the CLI refuses to continue it, one line, exit 2, nothing changed."
    out = tmp_path/'g'
    assert cli('generate', 'grains', '--n', '2', '--size', '32', '--out', out)[0] == 0
    recipe = json.loads((out/RECIPE_FILE).read_text())
    del recipe['seeding']
    (out/RECIPE_FILE).write_text(json.dumps(recipe))
    before = {p.name: p.read_bytes() for p in out.rglob('*') if p.is_file()}
    rc, _, err = cli('generate', 'grains', '--n', '3', '--size', '32', '--out', out)
    assert rc == 2
    one_line(err, f'{out} was seeded by another scheme', 'Write to a new folder')
    assert {p.name: p.read_bytes() for p in out.rglob('*') if p.is_file()} == before

def test_a_folder_older_than_recipes_is_refused_until_its_recipe_is_adopted(tmp_path):
    "A folder of samples without recipe.json: refused, naming it and the way on; saving the recipe the error shows resumes it, held to that recipe."
    out = tmp_path/'g'
    assert cli('generate', 'grains', '--n', '2', '--size', '32', '--out', out)[0] == 0
    (out/RECIPE_FILE).unlink()   # as a folder written before recipes were recorded
    before = {p.name: p.read_bytes() for p in out.rglob('*') if p.is_file()}
    rc, _, err = cli('generate', 'grains', '--n', '3', '--size', '32', '--out', out)
    assert rc == 2
    one_line(err, f'{out} lists 2 sample(s) but has no recipe.json', 'Write to a new folder', f'as {out/RECIPE_FILE}')
    assert {p.name: p.read_bytes() for p in out.rglob('*') if p.is_file()} == before   # nothing changed
    (out/RECIPE_FILE).write_text(err.split(' save ', 1)[1].split(f' as {out/RECIPE_FILE}')[0])   # the user adopts this run's options
    assert cli('generate', 'grains', '--n', '3', '--size', '32', '--out', out)[0] == 0
    assert len(read_dataset(out, check=True)) == 3
    with pytest.raises(ValueError, match='size 32 \\(this run: 40\\)'): generate(3, out, size=40)

def test_adopt_recipe_resumes_a_folder_older_than_recipes(tmp_path):
    generate(2, tmp_path/'g', size=32)
    recipe = json.loads((tmp_path/'g'/RECIPE_FILE).read_text())   # this run's recipe, as a caller who knows it would give it
    (tmp_path/'g'/RECIPE_FILE).unlink()
    with pytest.raises(ValueError, match='lists 2 sample\\(s\\) but has no recipe.json'): generate(3, tmp_path/'g', size=32)
    DatasetWriter(tmp_path/'g', recipe=recipe, adopt_recipe=True).close()
    generate(3, tmp_path/'g', size=32)   # the adopted recipe is this run's: it resumes
    assert len(read_dataset(tmp_path/'g', check=True)) == 3

# ---- absurd sizes and counts, refused before anything is written -------------------------------------------------------

@pytest.mark.parametrize('args,named', [
    (('grains', '--n', '1', '--size', '1000000'), 'size must be in [1, '),
    (('grains', '--n', '1000000000', '--size', '32'), 'n must be in [1, '),
    (('grains', '--n', '2', '--size', '32', '--workers', '100000'), 'workers must be in [1, '),
    (('potts', '--n', '1', '--size', '1200'), 'B per site'),
    (('potts', '--n', '10000000000', '--size', '8'), '--n must be in [1, '),
])
def test_sizes_and_counts_are_bounded_by_memory(tmp_path, args, named):
    rc, _, err = cli('generate', *args, '--out', tmp_path/'g')
    assert rc == 2
    one_line(err, named, 'GiB of memory')
    assert not (tmp_path/'g').exists()

def test_the_memory_bounds_are_what_they_say():
    side = memory_bound(RENDER_BYTES, dims=2)
    assert image_shape(side) == (side, side)
    with pytest.raises(ValueError, match=rf'size must be in \[1, {side}\] \(an image takes ~{RENDER_BYTES} B per pixel to render'): image_shape(side + 1)
    with pytest.raises(ValueError, match='its pixels must be in'): image_shape((8, side * side))
    assert check_count('n', 1000) == 1000 and check_workers(2, 10**6) == 2

# ---- a half-finished copy -----------------------------------------------------------------------------------------------

def test_a_copy_with_an_emptied_kind_folder_names_the_rows_and_the_files(tmp_path):
    generate(3, tmp_path/'g', size=32)
    for f in (tmp_path/'g'/'masks').iterdir(): f.unlink()
    with pytest.raises(ValueError, match=r"3 of 3 rows lack their masks/ file: 000000, 000001, 000002"): read_dataset(tmp_path/'g', check=True)
    (tmp_path/'g'/'labels'/'000001.png').unlink()
    rc, _, err = cli('train', tmp_path/'g', '--out', tmp_path/'m', '--crop', '16')
    assert rc == 2
    one_line(err, f"dataset {tmp_path/'g'}: 3 of 3 rows lack their masks/ file")
    generate(3, tmp_path/'g', size=32)  # the generator makes the missing files again
    assert len(read_dataset(tmp_path/'g', check=True)) == 3

# ---- disk full ------------------------------------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    "A 1 MiB tmpfs, where this machine lets us mount one (root); else the test is skipped."
    d = tmp_path/'small'
    d.mkdir()
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', str(d)], capture_output=True, text=True)
    if r.returncode: pytest.skip(f'cannot mount a small tmpfs here (needs root): {r.stderr.strip()}')
    yield d
    subprocess.run(['umount', str(d)], check=True)

def test_disk_full_loses_nothing_and_a_rerun_elsewhere_finishes(tmp_path, small_disk):
    out = small_disk/'g'
    rc, _, err = cli('generate', 'grains', '--n', '150', '--size', '64', '--out', out)
    assert rc == 1 and 'No space left on device' in err and 'Traceback' not in err
    for f in out.rglob('*.png'): load_image(f)  # every file under its final name is whole
    df = read_dataset(out, check=True)  # and every row recorded has its files
    assert 0 < len(df) < 150
    subprocess.run(['cp', '-a', str(out), str(tmp_path/'g')], check=True)  # move it to a bigger disk and re-run
    assert cli('generate', 'grains', '--n', '150', '--size', '64', '--out', tmp_path/'g')[0] == 0
    assert not [f for f in files_under(tmp_path/'g') if f.endswith('.tmp')]
    generate(150, tmp_path/'clean', size=64)
    ids = [f'{i:06d}' for i in range(150)]
    assert digest(tmp_path/'g', ids) == digest(tmp_path/'clean', ids)

# ---- every option checked before the work ---------------------------------------------------------------------------------

@pytest.mark.parametrize('item,msg', [
    ('kT=-1', '--set kT=-1.0: kT in 01_potts must be in [0, inf), got -1.0'),
    ('size=1', '--set size=1: size in 01_potts must be in [2, inf), got 1'),
    ('seed=-3', '--set seed=-3: seed in 01_potts must be in [0, inf), got -3'),
])
def test_set_is_checked_against_the_notebooks_ranges_before_papermill(tmp_path, item, msg):
    t0 = time.time()
    rc, _, err = cli('run', '--only', '01_potts', '--out', tmp_path/'r', '--set', item)
    assert rc == 2
    one_line(err, msg)
    assert time.time() - t0 < 15 and not (tmp_path/'r').exists()

def test_every_profile_value_lies_in_its_declared_range():
    from microsynth.runner import load_profiles, parameter_ranges, declared_parameters, _in_range
    ranges = parameter_ranges()
    stems = {p.stem: p for p in (ROOT/'nbs').glob('*.ipynb')}
    for stem, names in ranges.items():
        if stem != 'all': assert not set(names) - set(declared_parameters(stems[stem])), (stem, set(names) - set(declared_parameters(stems[stem])))
    for prof, secs in load_profiles().items():
        for stem, vals in secs.items():
            for name, v in vals.items():
                interval = ranges.get(stem, {}).get(name) or ranges.get('all', {}).get(name)
                if interval: _in_range(name, v, repr(v), stem=f'{prof}.{stem}', interval=interval)

@pytest.mark.parametrize('args,msg', [
    (('--sizes', '0,16'), '--sizes 0,16: each size must be in [8, 16], got 0'),
    (('--bs', '1000000000'), '--bs must be in [1, '),
])
def test_train_options_name_themselves(tmp_path, args, msg):
    generate(2, tmp_path/'g', size=32)
    rc, _, err = cli('train', tmp_path/'g', '--out', tmp_path/'m', '--crop', '16', *args)
    assert rc == 2
    one_line(err, msg)
    assert not (tmp_path/'m').exists()

def test_train_on_a_folder_without_masks_names_it(tmp_path):
    generate(2, tmp_path/'g', size=32)
    subprocess.run(['rm', '-r', str(tmp_path/'g'/'masks')], check=True)
    rc, _, err = cli('train', tmp_path/'g', '--out', tmp_path/'m', '--crop', '16')
    assert rc == 2
    one_line(err, f"DATA {tmp_path/'g'}: no masks/; train needs images/ and masks/")

# ---- predict: one writer of its out folder; a re-run after a kill takes its own leftovers ---------------------------

def toy(i, size=64):
    "A random RGB image and a random sparse mask: enough to train a model for one batch and to predict with it."
    from microsynth.seg_data import Sample
    rng = np.random.default_rng(i)
    return Sample(f'toy{i}', rng.integers(0, 255, (size, size, 3), dtype=np.uint8), (rng.random((size, size)) < .1).astype(np.uint8), True)

@pytest.fixture(scope='module')
def toy_model(tmp_path_factory):
    "A tiny saved model (U-Net, one batch of training on random images), made once for this file's predict tests."
    from microsynth.seg_learner import TrainSpec, save_model, train_progressive
    return save_model(train_progressive([toy(0), toy(3)], [], [toy(1)], TrainSpec([[64, 1, True]], crop=64, bs=2, batches_per_epoch=1), seed=0), tmp_path_factory.mktemp('model'))

def toy_folder(folder, n, size=64) -> list:
    "A folder of `n` random PNGs to predict on; their names (those of their masks too), in order."
    for i in range(n): save_png(folder/f'im{i:03d}.png', toy(100 + i, size).image)
    return [f'im{i:03d}.png' for i in range(n)]

def predicted(names) -> list:
    "The files a complete `predict` of images `names` leaves in its out folder: its results, and the lock file it keeps."
    return sorted([LOCK_FILE, 'grains.csv', 'predict.json', *[f'{d}/{n}' for d in ('masks', 'overlays') for n in names]])

def test_a_second_predict_into_an_out_folder_being_written_is_refused_and_a_kill_9_frees_it(tmp_path, toy_model):
    src, out = tmp_path/'in', tmp_path/'out'
    names = toy_folder(src, 2)
    assert cli('predict', toy_model, src, out)[0] == 0
    before = {f: (out/f).read_bytes() for f in files_under(out) if f != LOCK_FILE}
    hold = '\n'.join(['import time', 'from microsynth.dataset import FolderLock', f'lock = FolderLock({str(out)!r}, name="out folder")', 'time.sleep(600)'])
    holder = locked_by(subprocess.Popen([sys.executable, '-c', hold], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV), out)  # as a predict still writing there
    rc, _, err = cli('predict', toy_model, src, out)
    assert rc == 2
    one_line(err, f'out folder {out} is being written by process {holder.pid}', 'one writer at a time')
    assert holder.poll() is None  # refused while the holder still held the folder
    assert {f: (out/f).read_bytes() for f in files_under(out) if f != LOCK_FILE} == before  # nothing written, nothing removed
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    rc, _, err = cli('predict', toy_model, src, out)  # the kernel released the dead holder's lock
    assert rc == 0, err
    assert files_under(out) == predicted(names)

def test_predict_holds_its_out_folder_while_it_runs_and_a_rerun_after_kill_9_finishes(tmp_path, toy_model):
    src, out = tmp_path/'in', tmp_path/'out'
    names = toy_folder(src, 40, size=128)
    p = subprocess.Popen([MICROSYNTH, 'predict', str(toy_model), str(src), str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    locked_by(p, out, ready=lambda: any((out/'masks').glob('*.png')), seconds=120)  # half-way: some masks written
    from microsynth.dataset import FolderLock
    with pytest.raises(ValueError, match=f'out folder {out} is being written by process {p.pid} '): FolderLock(out, name='out folder')
    assert p.poll() is None
    p.send_signal(signal.SIGKILL)
    assert p.wait() == -signal.SIGKILL
    assert not (out/'predict.json').exists()  # killed before its last file
    rc, _, err = cli('predict', toy_model, src, out)
    assert rc == 0, err
    assert files_under(out) == predicted(names)
    assert list(pd.read_csv(out/'grains.csv').name) == names and json.loads((out/'predict.json').read_text())['done'] == len(names)

def test_predict_rerun_removes_the_temp_files_a_killed_run_left(tmp_path, toy_model):
    from microsynth.predict import predict
    src = tmp_path/'in'
    save_png(src/'a.png', toy(2).image)
    out = tmp_path/'out'
    predict(toy_model, src, out)
    for left in (out/'.grains.csv.k2j_x9qz.tmp', out/'masks'/'.a.png.0abcdefg.tmp'): left.write_bytes(b'half')  # as atomic_write leaves them on kill -9
    predict(toy_model, src, out)
    assert files_under(out) == predicted(['a.png'])
    (out/'notes.txt').write_text('mine')
    with pytest.raises(ValueError, match=r'holds files predict did not write \(notes.txt\)'): predict(toy_model, src, out)
