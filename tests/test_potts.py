import numpy as np, numba, pytest
from microsynth.core import child_seed
from microsynth.potts import simulate, simulate_torch, init_volume, propose, write_slices, section_labels, slice_volume, n_grains
from microsynth.images import boundary_mask
from microsynth.dataset import read_dataset, load_sample, row_params

def test_same_volume_any_thread_count():
    nt = numba.get_num_threads()
    try:
        numba.set_num_threads(1); one = simulate((16, 14, 12), 6, seed=5)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS)); two = simulate((16, 14, 12), 6, seed=5)
    finally: numba.set_num_threads(nt)
    assert one.dtype == np.int32 and np.array_equal(one, two)
    assert not np.array_equal(one, simulate((16, 14, 12), 6, seed=6))

def test_resume_continues_exactly():
    for shape, init in (((10, 11, 12), 'unique'), ((20, 21), 4)):
        full = simulate(shape, 7, seed=2, init=init)
        half = simulate(shape, 3, seed=2, init=init)
        assert np.array_equal(full, simulate(shape, 4, seed=2, init=init, initial=half, start=3))

def test_2d_and_q_states():
    v = simulate((24, 24), 5, init=3, seed=1)
    assert v.shape == (24, 24) and set(np.unique(v)) <= {1, 2, 3}
    assert n_grains(simulate((24, 24), 10)) < 24 * 24 // 4  # grains grow

def test_kT0_never_raises_energy():
    # at kT = 0 only dE <= 0 flips are accepted: the boundary energy never increases
    def energy(v):
        return sum(int((np.roll(v, (a, b, c), (0, 1, 2)) != v).sum())
                   for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1))
    v = simulate((12, 12, 12), 2, kT=0.0, init=5, seed=0); e0 = energy(v)
    for t in range(2, 5):
        v = simulate((12, 12, 12), 1, kT=0.0, seed=0, initial=v, start=t); e1 = energy(v)
        assert e1 <= e0; e0 = e1

@pytest.mark.parametrize('kw, msg', [
    (dict(shape=(8, 0, 8), mcs=2), 'shape'), (dict(shape=(8, -8, 8), mcs=2), 'shape'), (dict(shape=8, mcs=2), 'shape'),
    (dict(shape=(8, 8, 8), mcs=0), 'mcs'), (dict(shape=(8, 8, 8), mcs=-3), 'mcs'),
    (dict(shape=(8, 8, 8), mcs=2, kT=-0.1), 'kT'), (dict(shape=(8, 8, 8), mcs=2, kT=float('nan')), 'kT'),
    (dict(shape=(8, 8, 8), mcs=2, init=1), 'Q >= 2'), (dict(shape=(8, 8, 8), mcs=2, init='random'), 'unique'),
    (dict(shape=(8, 8, 8), mcs=2, initial=np.ones((8, 8, 8), np.int64)), 'int32'),
    (dict(shape=(8, 8, 8), mcs=2, initial=np.ones((8, 8, 9), np.int32)), 'shape'),
])
def test_bad_inputs(kw, msg):
    with pytest.raises(ValueError, match=msg): simulate(**kw)

def test_proposal_uniform_over_distinct_ids():
    nbhd = np.array([5] * 18 + [7] * 5 + [9] * 2 + [3], np.int32)   # 3 is the own id
    draws = np.array([propose(nbhd, 3, h)[0] for h in range(60_000)])
    counts = np.array([(draws == v).sum() for v in (5, 7, 9)])
    assert counts.sum() == len(draws)
    chi2 = ((counts - len(draws) / 3) ** 2 / (len(draws) / 3)).sum()
    assert chi2 < 13.8  # chi-square, 2 degrees of freedom, p = 0.001
    for h in range(20):
        new, m = propose(nbhd, 3, h); assert m == {5: 18, 7: 5, 9: 2}[new]
    assert propose(np.full(26, 4, np.int32), 4, 0) == (4, 0)

def test_slices_dataset_roundtrip(tmp_path):
    out = write_slices(tmp_path / 'ds', 12, 3, seed=4, n_volumes=2, spacing=4, width=2)
    df = read_dataset(out, check=True)
    assert len(df) == 2 * 3 * 3
    vols = {k: simulate((12, 12, 12), 3, seed=child_seed(4, k)) for k in (0, 1)}  # volume k of seed 4
    for _, r in df.iterrows():
        p = row_params(r); smp = load_sample(r)
        assert p['shape'] == [12, 12, 12] and p['mcs'] == 3 and p['kT'] == 0.5 and p['init'] == 'unique' and p['boundary_width'] == 2 and p['boundary_format'] == 2
        assert p['seed'] == child_seed(4, p['volume']) and r['id'].startswith(f"v{p['volume']:04d}-")
        lab = section_labels(np.take(vols[p['volume']], p['index'], axis=p['axis']))
        assert np.array_equal(smp['labels'], lab) and np.array_equal(smp['masks'], boundary_mask(lab, 2))
        assert smp['labels'].min() == 1 and len(np.unique(smp['labels'])) == smp['labels'].max()
    # resume: nothing to do, nothing rewritten
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / 'ds').rglob('*.png')}
    write_slices(tmp_path / 'ds', 12, 3, seed=4, n_volumes=2, spacing=4)
    assert before == {p: p.stat().st_mtime_ns for p in (tmp_path / 'ds').rglob('*.png')}

def test_slices_same_bytes_any_worker_count(tmp_path):
    one = write_slices(tmp_path / 'one', 12, 3, seed=4, n_volumes=2, spacing=3, workers=1)
    two = write_slices(tmp_path / 'two', 12, 3, seed=4, n_volumes=2, spacing=3, workers=2)
    files = lambda d: sorted(p.relative_to(d) for p in d.rglob('*') if p.is_file())
    assert files(one) == files(two) and len(files(one)) == 2 * 3 * 4 * 2 + 3  # + params.csv, recipe.json and the (released, empty) lock file
    for f in files(one): assert (one / f).read_bytes() == (two / f).read_bytes(), f

def test_slicing_helpers():
    with pytest.raises(ValueError, match='width'): boundary_mask(np.ones((3, 3), int), 0)
    with pytest.raises(ValueError, match='spacing'): list(slice_volume(np.zeros((3, 3, 3)), spacing=0))
    with pytest.raises(ValueError, match='3D'): list(slice_volume(np.zeros((3, 3))))
    with pytest.raises(ValueError, match='width'): write_slices('/nonexistent/never', 8, 1, width=0)
    lab = np.array([[1, 1, 2, 2]] * 4)
    assert boundary_mask(lab, 1).sum() == 4 and boundary_mask(lab, 2).sum() == 8 and boundary_mask(lab, 4).sum() == 16

def test_resume_refuses_other_parameters(tmp_path):
    write_slices(tmp_path / 'ds', 8, 2, spacing=4)
    with pytest.raises(ValueError, match=r'was made with other options: mcs 2 \(this run: 3\)'): write_slices(tmp_path / 'ds', 8, 3, spacing=4)

def _reference(shape, mcs, kT, seed, init):
    "The same sweep written plainly in Python: colour by colour, site by site, neighbours gathered with numpy."
    from microsynth import potts as P
    s = init_volume(shape, init, seed); three = len(shape) == 3
    v = s if three else s[None]
    nz, ny, nx = v.shape
    cols = [(a, b, c) for a in P._colours(nz) for b in P._colours(ny) for c in P._colours(nx)]
    thr = P._thresholds(kT)
    offs = [(a, b, c) for a in ((-1, 0, 1) if three else (0,)) for b in (-1, 0, 1) for c in (-1, 1, 0) if (a, b, c) != (0, 0, 0)]  # the kernel's gather order
    for t in range(mcs):
        key = np.uint64(P._mcs_key(seed, t))
        for ci in P._order(key ^ P._GOLD, len(cols)):
            zs, ys, xs = cols[ci]
            for z in zs:
                for y in ys:
                    for x in xs:
                        own = v[z, y, x]
                        nb = np.array([v[(z + a) % nz, (y + b) % ny, (x + c) % nx] for a, b, c in offs], np.int32)
                        site = (z * ny + y) * nx + x
                        with np.errstate(over='ignore'): h = np.uint64(P._mix(key + np.uint64(site) * P._GOLD))
                        new, m = propose(nb, own, h)
                        if m == 0: continue
                        de = int((nb == own).sum()) - m
                        if de <= 0 or (int(h) & 0xFFFFFFFF) < int(thr[de]): v[z, y, x] = new
    return s

@pytest.mark.parametrize('shape, init, kT', [((5, 6, 7), 'unique', 0.5), ((7, 6, 4), 3, 1.0), ((9, 8), 'unique', 0.5), ((6, 7), 4, 0.0)])
def test_kernel_matches_plain_reference(shape, init, kT):
    assert np.array_equal(simulate(shape, 3, kT=kT, seed=1, init=init), _reference(shape, 3, kT, 1, init))

def _torch_reference(shape, mcs, kT, seed, init):
    "`simulate_torch` written plainly: sublattice by sublattice, site by site, with the same random numbers (torch's CPU generator, reseeded each MCS)."
    import itertools, math, torch
    from microsynth import potts as P
    s = init_volume(shape, init, seed)
    offs = [o for o in itertools.product((-1, 0, 1), repeat=len(shape)) if any(o)]
    parities = list(itertools.product((0, 1), repeat=len(shape)))
    g = torch.Generator()
    for t in range(mcs):
        key = P._mcs_key(seed, t)
        g.manual_seed(int(key) & (2**63 - 1))
        for ci in P._order(key ^ P._GOLD, len(parities)):
            sites = list(itertools.product(*[range(q, n, 2) for q, n in zip(parities[ci], shape)]))
            u = torch.rand(2, len(sites), generator=g).numpy()
            for j, site in enumerate(sites):
                own = s[site]
                nb = [s[tuple((a + d) % n for a, d, n in zip(site, o, shape))] for o in offs]
                ids = sorted(set(v for v in nb if v != own))
                if not ids: continue
                new = ids[min(int(np.float32(u[1, j]) * np.float32(len(ids))), len(ids) - 1)]
                de = nb.count(own) - nb.count(new)
                if de <= 0 or (kT > 0 and u[0, j] < np.float32(math.exp(-de / kT))): s[site] = new
    return s

@pytest.mark.parametrize('shape, init, kT', [((4, 6, 4), 'unique', 0.5), ((6, 4, 4), 3, 1.0), ((8, 6), 'unique', 0.5), ((6, 8), 4, 0.0)])
def test_torch_kernel_matches_plain_reference(shape, init, kT):
    assert np.array_equal(simulate_torch(shape, 3, kT=kT, seed=1, init=init), _torch_reference(shape, 3, kT=kT, seed=1, init=init))

def test_torch_same_volume_resumes_and_refuses_odd_sides():
    a = simulate_torch((8, 6, 10), 5, seed=2)
    assert a.dtype == np.int32 and np.array_equal(a, simulate_torch((8, 6, 10), 5, seed=2))
    assert not np.array_equal(a, simulate_torch((8, 6, 10), 5, seed=3))
    assert np.array_equal(a, simulate_torch((8, 6, 10), 3, seed=2, initial=simulate_torch((8, 6, 10), 2, seed=2), start=2))
    with pytest.raises(ValueError, match='even sides'): simulate_torch((8, 7, 10), 2)
    with pytest.raises(ValueError, match='device'): simulate_torch((8, 6, 10), 2, device='nodevice')

def test_torch_kT0_never_raises_energy():
    def energy(v):
        return sum(int((np.roll(v, (a, b, c), (0, 1, 2)) != v).sum()) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1))
    v = simulate_torch((12, 12, 12), 2, kT=0.0, init=5, seed=0)
    e0 = energy(v)
    for t in range(2, 5):
        v = simulate_torch((12, 12, 12), 1, kT=0.0, seed=0, initial=v, start=t)
        e1 = energy(v)
        assert e1 <= e0
        e0 = e1

def test_torch_slices_dataset(tmp_path):
    out = write_slices(tmp_path / 'ds', 12, 3, seed=4, n_volumes=1, spacing=6, device='cpu')
    vol = simulate_torch((12, 12, 12), 3, seed=child_seed(4, 0))
    df = read_dataset(out, check=True)
    for _, r in df.iterrows():
        p = row_params(r)
        assert p['device'] == 'cpu' and np.array_equal(load_sample(r)['labels'], section_labels(np.take(vol, p['index'], axis=p['axis'])))
    with pytest.raises(ValueError, match='device'): write_slices(tmp_path / 'ds', 12, 3, seed=4, n_volumes=1, spacing=6)   # numba's volumes are not mixed in
    with pytest.raises(ValueError, match='even sides'): write_slices(tmp_path / 'odd', 11, 3, device='cpu')
    assert not (tmp_path / 'odd').exists()

def test_generate_potts_with_torch_on_the_command_line(tmp_path):
    from cli_helpers import cli, one_line
    rc, out, err = cli('generate', 'potts', '--n', '1', '--size', '8', '--mcs', '2', '--spacing', '4', '--device', 'cpu', '--out', tmp_path/'t')
    assert rc == 0, err
    r = read_dataset(tmp_path/'t', check=True).iloc[0]
    p = row_params(r)
    assert p['device'] == 'cpu' and np.array_equal(load_sample(r)['labels'], section_labels(np.take(simulate_torch((8, 8, 8), 2, seed=child_seed(0, 0)), p['index'], axis=p['axis'])))
    rc, _, err = cli('generate', 'potts', '--n', '1', '--size', '9', '--device', 'cpu', '--out', tmp_path/'odd')
    assert rc == 2 and not (tmp_path/'odd').exists()
    one_line(err, 'even sides')
