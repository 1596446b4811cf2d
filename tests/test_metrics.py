"Checks of microsynth.metrics against independent implementations, edge cases and bad inputs."
import numpy as np, pytest
from scipy import ndimage, stats
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching
from sklearn.metrics import adjusted_rand_score

from microsynth.metrics import *
from microsynth.grains import voronoi_labels

THS = np.arange(0.5, 1.0, 0.05)
LOW_THS = np.arange(0.05, 1.0, 0.05)  # below 0.5 a match is no longer unique


def voronoi_grains(shape, n, rng, boundary=True):
    "Plain Voronoi grains (`grains.voronoi_labels`); with `boundary`, 0 where the 3x3 neighbourhood holds two grains."
    lab = voronoi_labels(shape, n, rng)
    if boundary: lab = np.where(ndimage.grey_dilation(lab, 3) != ndimage.grey_erosion(lab, 3), 0, lab)
    return lab


def perturbed(lab, rng):
    "A prediction: shifted, some grains merged, some dropped, some split, ids shuffled."
    lab = np.roll(lab, tuple(rng.integers(-3, 4, 2)), (0, 1))
    n = int(lab.max()); remap = np.arange(n + 1)
    remap[1:] = np.where(rng.random(n) < 0.2, rng.integers(1, n + 1, n), remap[1:])
    remap[1:][rng.random(n) < 0.1] = 0
    out = remap[lab]
    split = (rng.random(lab.shape[1]) < 0.05)[None, :] & (out > 0)   # cut a few columns out as new objects
    out = np.where(split, out + n, out)
    perm = np.r_[0, rng.permutation(2 * n) + 1]
    return perm[out]


def ap_reference(gt, pred, thresholds):
    "Independent mAP: IoUs from boolean masks in loops, matching as maximum bipartite matching (not Hungarian)."
    gids, pids = [i for i in np.unique(gt) if i != 0], [j for j in np.unique(pred) if j != 0]
    if not gids and not pids: return 1.0
    m = np.zeros((len(gids), len(pids)))
    for i, gi in enumerate(gids):
        A = gt == gi
        for j, pj in enumerate(pids):
            B = pred == pj
            m[i, j] = np.logical_and(A, B).sum() / np.logical_or(A, B).sum()
    scores = []
    for t in thresholds:
        if m.size:
            match = maximum_bipartite_matching(csr_matrix((m > t).astype(np.int8)), perm_type='column')
            tp = int((match >= 0).sum())
        else: tp = 0
        fp, fn = len(pids) - tp, len(gids) - tp
        scores.append(tp / (tp + fp + fn))
    return float(np.mean(scores))


def ap_hungarian(gt, pred, thresholds):
    "Second reference: Hungarian assignment on the thresholded loop-computed IoU matrix."
    gids, pids = [i for i in np.unique(gt) if i != 0], [j for j in np.unique(pred) if j != 0]
    if not gids and not pids: return 1.0
    m = np.array([[((gt == i) & (pred == j)).sum() / ((gt == i) | (pred == j)).sum() for j in pids] for i in gids]).reshape(len(gids), len(pids))
    out = []
    for t in thresholds:
        hit = (m > t).astype(float)
        tp = hit[linear_sum_assignment(hit, maximize=True)].sum() if hit.size else 0
        out.append(tp / (len(gids) + len(pids) - tp))
    return float(np.mean(out))


@pytest.fixture(scope='module')
def pairs():
    rng = np.random.default_rng(0)
    out = []
    for k in range(20):
        gt = voronoi_grains((40, 48), int(rng.integers(2, 30)), rng, boundary=bool(k % 4))
        out.append((gt, perturbed(gt, rng)))
    return out


@pytest.mark.parametrize('ths', [THS, LOW_THS], ids=['0.5-0.95', '0.05-0.95'])
def test_average_precision_matches_references(pairs, ths):
    for gt, pr in pairs:
        ours = average_precision(gt, pr, ths)
        assert abs(ours - ap_reference(gt, pr, ths)) < 1e-9
        assert abs(ours - ap_hungarian(gt, pr, ths)) < 1e-9
    assert len({round(average_precision(g, p), 6) for g, p in pairs}) > 5  # the cases are not all alike


def test_matching_below_half_is_maximal():
    "Greedy best-partner matching would give TP=1 here; the one-to-one maximum is 2."
    gt = np.array([[1, 1, 1, 1, 1, 2, 2, 2, 2, 2]])
    pr = np.array([[6, 5, 5, 5, 0, 5, 0, 0, 0, 0]])
    assert average_precision(gt, pr, [0.1]) == 1.0
    assert average_precision(gt, pr, [0.3]) == pytest.approx(1 / 3)  # only 1-5 (IoU 0.5): TP=1, FP=1, FN=1


def test_object_ious_matches_loops(pairs):
    gt, pr = pairs[3]
    g, p, m = object_ious(gt, pr)
    for i, gi in enumerate(g):
        for j, pj in enumerate(p):
            A, B = gt == gi, pr == pj
            assert abs(m[i, j] - (A & B).sum() / (A | B).sum()) < 1e-12


def test_ari_matches_sklearn(pairs):
    for gt, pr in pairs:
        assert abs(adjusted_rand_index(gt, pr) - adjusted_rand_score(gt.ravel(), pr.ravel())) < 1e-9
    rng = np.random.default_rng(1)
    for _ in range(10):   # unstructured labels, ARI near 0 and sometimes negative
        a, b = rng.integers(0, 5, (30, 30)), rng.integers(0, 7, (30, 30))
        assert abs(adjusted_rand_index(a, b) - adjusted_rand_score(a.ravel(), b.ravel())) < 1e-9
    for a, b in [(np.zeros((4, 4), int), np.zeros((4, 4), int)), (np.arange(16).reshape(4, 4), np.arange(16).reshape(4, 4)),
                 (np.zeros((4, 4), int), np.arange(16).reshape(4, 4)), (np.array([[3]]), np.array([[5]]))]:
        assert abs(adjusted_rand_index(a, b) - adjusted_rand_score(a.ravel(), b.ravel())) < 1e-9


def test_ari_large_image_exact():
    "Products of pair counts overflow int64 on big images; the result must still match sklearn."
    rng = np.random.default_rng(2)
    gt = voronoi_grains((1200, 1200), 40, rng)
    pr = np.roll(gt, 3, 0)
    assert abs(adjusted_rand_index(gt, pr) - adjusted_rand_score(gt.ravel(), pr.ravel())) < 1e-9


def test_empty_images():
    z = np.zeros((8, 8), int); one = z.copy(); one[2:4, 2:4] = 1
    assert average_precision(z, z) == 1.0
    assert average_precision(one, z) == 0.0 and average_precision(z, one) == 0.0
    assert mean_average_precision([z, one], [z, one]) == 1.0
    assert iou(z, z) == 1.0 and mean_iou(z, z) == 1.0 and boundary_iou(z, z) == 1.0
    assert iou(one, z) == 0.0


def test_pixel_metrics():
    gt = np.array([[0, 1, 1, 0], [0, 0, 1, 1]]); pr = np.array([[0, 1, 0, 1], [0, 0, 1, 1]])
    assert pixel_error(pr, gt) == 0.25
    assert iou(pr, gt) == 3 / 5 and iou(pr, gt, cls=0) == 3 / 5
    assert mean_iou(pr, gt) == 3 / 5
    assert iou(pr.astype(bool), gt.astype(bool)) == 3 / 5
    ov = iou_overlay(pr, gt)
    assert ov.dtype == np.uint8 and ov.shape == (2, 4, 3)
    assert ov[0].tolist() == [[0, 0, 0], [255, 255, 255], [255, 0, 255], [0, 255, 255]]


def test_boundary_iou_tolerance():
    gt = np.zeros((20, 20), np.uint8); gt[:, 10] = 1
    assert boundary_iou(gt, gt) == 1.0
    assert boundary_iou(np.roll(gt, 1, 1), gt) == 0.0
    assert boundary_iou(np.roll(gt, 2, 1), gt, tolerance=1) == 0.0
    assert boundary_iou(np.roll(gt, 2, 1), gt, tolerance=2) == 1.0
    rng = np.random.default_rng(3)
    a, b = (rng.random((16, 16)) < 0.3).astype(np.uint8), (rng.random((16, 16)) < 0.3).astype(np.uint8)
    assert boundary_iou(a, b) == pytest.approx(iou(a, b), abs=1e-12)
    assert boundary_iou(a, b) <= boundary_iou(a, b, 1) <= boundary_iou(a, b, 2)


def test_boundary_iou_tolerance_is_euclidean():
    "The tolerant IoU equals the definition written with a Euclidean distance transform."
    rng = np.random.default_rng(7)
    for tol in (1, 1.5, 2, 3.2, 9.5):
        p, g = (rng.random((30, 30)) < 0.1).astype(np.uint8), (rng.random((30, 30)) < 0.1).astype(np.uint8)
        dp, dg = ndimage.distance_transform_edt(p == 0) <= tol, ndimage.distance_transform_edt(g == 0) <= tol
        tp = ((p & dg).sum() + (g & dp).sum()) / 2
        ref = tp / (tp + (p & ~dg).sum() + (g & ~dp).sum())
        assert boundary_iou(p, g, tol) == pytest.approx(ref, abs=1e-12)


def test_large_label_ids():
    "Label ids far beyond the pixel count take the sorting path; the scores must not change."
    rng = np.random.default_rng(8)
    gt = voronoi_grains((40, 40), 12, rng); pr = perturbed(gt, rng)
    big_g, big_p = gt.astype(np.int64) * 1_000_003, pr.astype(np.int64) * 999_983 + (pr > 0) * 7
    assert average_precision(big_g, big_p, LOW_THS) == average_precision(gt, pr, LOW_THS)
    assert adjusted_rand_index(big_g, big_p) == pytest.approx(adjusted_rand_score(gt.ravel(), pr.ravel()), abs=1e-12)


def test_instances_from_boundaries():
    m = np.zeros((7, 7), np.uint8); m[3, :] = 1; m[:, 3] = 1
    lab = instances_from_boundaries(m)
    assert lab.dtype == np.int32 and lab.max() == 4 and (lab[m == 1] == 0).all() and (lab[m == 0] > 0).all()
    diag = np.eye(6, dtype=np.uint8)
    assert instances_from_boundaries(diag).max() == 2          # 4-connected grains do not cross a diagonal line
    assert instances_from_boundaries(diag, connectivity=2).max() == 1


def test_evaluate_keys_and_perfect_score():
    rng = np.random.default_rng(4)
    gt = (voronoi_grains((32, 32), 6, rng) == 0).astype(np.uint8)
    r = evaluate(gt, gt)
    assert set(r) >= {'pixel_error', 'mean_iou', 'boundary_iou', 'mAP', 'ARI'}
    assert r['pixel_error'] == 0 and r['mean_iou'] == r['boundary_iou'] == r['mAP'] == r['ARI'] == 1.0


def test_agresti_coull_values():
    # the formula by hand for 20/100 at 95%: n~ = 100 + z^2, p~ = (20 + z^2/2)/n~, p~ ± z*sqrt(p~(1-p~)/n~)
    z = 1.959963984540054
    nt = 100 + z**2; pt = (20 + z**2 / 2) / nt; h = z * np.sqrt(pt * (1 - pt) / nt)
    lo, hi = agresti_coull(20, 100, conf=0.95)
    assert lo == pytest.approx(pt - h, abs=1e-12) and hi == pytest.approx(pt + h, abs=1e-12)
    assert (lo, hi) == pytest.approx((0.1326, 0.2896), abs=1e-4)
    # it contains the Wilson score interval (0.1334, 0.2888), which has the same centre p~
    w_c, w_h = pt, z / (1 + z**2 / 100) * np.sqrt(0.2 * 0.8 / 100 + z**2 / (4 * 100**2))
    assert (w_c - w_h, w_c + w_h) == pytest.approx((0.1334, 0.2888), abs=1e-4)
    assert lo < w_c - w_h and w_c + w_h < hi
    # 99% by default, clipped to [0, 1]
    assert agresti_coull(20, 100) == agresti_coull(20, 100, conf=0.99)
    assert agresti_coull(0, 10)[0] == 0.0 and agresti_coull(10, 10)[1] == 1.0


def test_agresti_coull_monotone():
    lows, highs = zip(*(agresti_coull(k, 50) for k in range(51)))
    assert np.all(np.diff(lows) >= 0) and np.all(np.diff(highs) >= 0)   # more successes, interval moves up
    assert np.all(np.diff(lows[3:]) > 0) and np.all(np.diff(highs[:-3]) > 0)  # strictly, away from the clipping at 0 and 1
    widths = [np.subtract(*agresti_coull(20, 100, c)[::-1]) for c in (0.8, 0.9, 0.95, 0.99)]
    assert all(np.diff(widths) > 0)                     # more confidence, wider interval
    assert np.subtract(*agresti_coull(200, 1000)[::-1]) < np.subtract(*agresti_coull(20, 100)[::-1])  # more data, narrower


def test_paired_ttest_equals_scipy():
    rng = np.random.default_rng(5)
    a = rng.random(12); b = a - 0.05 + 0.02 * rng.standard_normal(12)
    t, p = paired_ttest(a, b)
    r = stats.ttest_rel(a, b)
    assert t == r.statistic and p == r.pvalue and isinstance(t, float)


@pytest.mark.parametrize('call, words', [
    (lambda: pixel_error(np.zeros((2, 2)), np.zeros((2, 3))), 'pred and gt must have the same shape'),
    (lambda: iou(np.zeros((2, 2)), np.full((2, 2), 0.5)), 'gt must hold integer labels'),
    (lambda: mean_iou(np.zeros((2, 2), int), np.full((2, 2), 2)), 'gt has values outside the classes'),
    (lambda: mean_iou(np.zeros((2, 2), int), np.zeros((2, 2), int), n_classes=0), 'n_classes'),
    (lambda: iou_overlay(np.full((2, 2), 255, np.uint8), np.zeros((2, 2), np.uint8)), 'pred must be a binary mask'),
    (lambda: boundary_iou(np.zeros((2, 2), int), np.zeros((2, 2), int), tolerance=-1), 'tolerance'),
    (lambda: instances_from_boundaries(np.full((3, 3), 255, np.uint8)), 'boundary_mask must be a binary mask'),
    (lambda: instances_from_boundaries(np.full((3, 3), 0.3)), 'boundary_mask must hold integer labels'),
    (lambda: average_precision(np.zeros((3, 3), int), np.zeros((3, 4), int)), 'gt_labels and pred_labels must have the same shape'),
    (lambda: average_precision(np.full((3, 3), 1.5), np.zeros((3, 3), int)), 'gt_labels must hold integer labels'),
    (lambda: average_precision(np.zeros((3, 3), int), -np.ones((3, 3), int)), 'pred_labels must hold non-negative labels'),
    (lambda: average_precision(np.zeros((3, 3), int), np.zeros((3, 3), int), thresholds=[1.2]), 'thresholds'),
    (lambda: mean_average_precision([np.zeros((2, 2), int)], []), 'same length'),
    (lambda: mean_average_precision([], []), 'list_of_gt is empty'),
    (lambda: adjusted_rand_index(np.zeros((3, 3), int), np.zeros((2, 3), int)), 'gt_labels and pred_labels must have the same shape'),
    (lambda: adjusted_rand_index(np.zeros((3, 3), int), np.full((3, 3), 0.5)), 'pred_labels must hold integer labels'),
    (lambda: evaluate(np.zeros((3, 3), int), np.full((3, 3), 2)), 'gt_mask must be a binary mask'),
    (lambda: agresti_coull(5, 0), 'n must be in [1, inf], got 0'),
    (lambda: agresti_coull(5, -3), 'n must be in [1, inf], got -3'),
    (lambda: agresti_coull(11, 10), 'successes (of n=10) must be in [0, 10], got 11'),
    (lambda: agresti_coull(-1, 10), 'successes'),
    (lambda: agresti_coull(1, 10, conf=0), 'conf must lie strictly between 0 and 1'),
    (lambda: agresti_coull(1, 10, conf=1.5), 'conf'),
    (lambda: paired_ttest([1, 2, 3], [1, 2]), 'same length'),
    (lambda: paired_ttest([1], [2]), 'at least 2'),
    (lambda: paired_ttest([1, np.nan], [2, 3]), 'finite'),
])
def test_bad_inputs_name_the_argument(call, words):
    with pytest.raises(ValueError) as e: call()
    assert words in str(e.value), str(e.value)


def test_deterministic():
    rng = np.random.default_rng(6)
    gt = voronoi_grains((32, 32), 8, rng); pr = perturbed(gt, rng)
    assert average_precision(gt, pr) == average_precision(gt.copy(), pr.copy())


def boundary_masks(rng, n=8, shape=(48, 48)):
    "Pairs of binary boundary masks: Voronoi boundaries and a perturbed copy (shifted, some walls erased, blobs added)."
    out = []
    for _ in range(n):
        gt = (voronoi_grains(shape, int(rng.integers(3, 25)), rng) == 0).astype(np.uint8)
        pr = np.roll(gt, tuple(rng.integers(-3, 4, 2)), (0, 1))
        pr = np.where(rng.random(shape) < 0.05, 0, pr) | (rng.random(shape) < 0.01)
        out.append((pr.astype(np.uint8), gt))
    return out


def test_boundary_prf_swaps_roles():
    "Precision of pred against gt is the recall of gt against pred; F is symmetric."
    for pr, gt in boundary_masks(np.random.default_rng(10)):
        for tol in (0, 1, 2, 3.5):
            a, b = boundary_prf(pr, gt, tol), boundary_prf(gt, pr, tol)
            assert a['boundary_P'] == b['boundary_R'] and a['boundary_R'] == b['boundary_P']
            assert a['boundary_F'] == pytest.approx(b['boundary_F'], abs=1e-12)


def test_boundary_prf_equals_distance_definition():
    "P and R as written with a Euclidean distance transform of the skeletons; more tolerance never scores less."
    for pr, gt in boundary_masks(np.random.default_rng(11)):
        p, g = thin_boundaries(pr), thin_boundaries(gt)
        last = None
        for tol in (0, 1, 1.5, 2, 4, 9.5):
            r = boundary_prf(pr, gt, tol)
            assert r['boundary_P'] == pytest.approx((ndimage.distance_transform_edt(~g)[p] <= tol).mean(), abs=1e-12)
            assert r['boundary_R'] == pytest.approx((ndimage.distance_transform_edt(~p)[g] <= tol).mean(), abs=1e-12)
            if last: assert r['boundary_P'] >= last['boundary_P'] and r['boundary_R'] >= last['boundary_R']
            last = r


def test_boundary_prf_empty_conventions():
    z = np.zeros((10, 10), np.uint8)
    one = z.copy()
    one[:, 4] = 1
    assert boundary_prf(z, z) == dict(boundary_P=1.0, boundary_R=1.0, boundary_F=1.0)
    assert boundary_prf(z, one) == dict(boundary_P=1.0, boundary_R=0.0, boundary_F=0.0)
    assert boundary_prf(one, z) == dict(boundary_P=0.0, boundary_R=1.0, boundary_F=0.0)


def intercept_reference(mask, n_lines):
    "Independent count: walk every test line pixel by pixel in Python, counting the runs of boundary pixels."
    s = thin_boundaries(mask)
    h, w = s.shape
    lines = [s[int((i + 0.5) * h / n_lines), :] for i in range(n_lines)] + [s[:, int((i + 0.5) * w / n_lines)] for i in range(n_lines)]
    hits = 0
    for line in lines:
        prev = False
        for v in line:
            hits += bool(v) and not prev
            prev = bool(v)
    return n_lines * (h + w), hits


def test_intercept_counts_match_loops():
    rng = np.random.default_rng(12)
    for shape in ((40, 56), (64, 64), (33, 17)):
        for n_lines in (1, 3, 10, 40):
            m = (voronoi_grains(shape, int(rng.integers(2, 20)), rng) == 0).astype(np.uint8)
            assert intercept_counts(m, n_lines) == intercept_reference(m, n_lines)
    m = (rng.random((30, 30)) < 0.4).astype(np.uint8)   # unstructured: many short runs, some at the line ends
    assert intercept_counts(m, 7) == intercept_reference(m, 7)


def test_intercept_of_transpose():
    "On a square image the horizontal lines of the transpose are the vertical lines of the mask: the same intercept, exactly, for masks thinning leaves alone."
    rng = np.random.default_rng(13)
    for _ in range(10):
        m = np.zeros((60, 60), np.uint8)
        m[rng.choice(np.arange(2, 58, 3), 6, replace=False)] = 1      # straight one-pixel walls, apart and off the image edges
        m[:, rng.choice(np.arange(2, 58, 3), 4, replace=False)] = 1
        assert np.array_equal(thin_boundaries(m), m.astype(bool)) and np.array_equal(thin_boundaries(m.T), m.T.astype(bool))
        for n_lines in (3, 10):
            assert mean_lineal_intercept(m.T, n_lines) == mean_lineal_intercept(m, n_lines)
    # skeletonize is not symmetric under transposition, so on curved, 2-px-wide walls the counts may differ a little
    for _ in range(10):
        m = (voronoi_grains((96, 96), int(rng.integers(5, 40)), rng) == 0).astype(np.uint8)
        assert mean_lineal_intercept(m.T) == pytest.approx(mean_lineal_intercept(m), rel=0.15)


def test_intercept_grid_and_units():
    grid = np.zeros((100, 100), np.uint8)
    grid[::10] = 1
    grid[:, ::10] = 1                      # walls at 0, 10, ...; test lines at 5, 15, ... cross them
    assert mean_lineal_intercept(grid, n_lines=10) == 10.0
    assert mean_lineal_intercept(ndimage.binary_dilation(grid, np.ones((3, 3))).astype(np.uint8)) == 10.0
    assert mean_lineal_intercept(grid, pixel_size_um=0.5) == 5.0
    assert np.isnan(mean_lineal_intercept(np.zeros((5, 5), np.uint8)))
    g = astm_grain_size_intercept(10.0)
    assert g == pytest.approx(-6.643856 * np.log10(0.01) - 3.288, abs=1e-12)
    assert astm_grain_size_intercept(320) == pytest.approx(0.0, abs=1e-3) and astm_grain_size_intercept(32) == pytest.approx(6.64, abs=1e-2)


def test_evaluate_boundary_f_and_intercept():
    rng = np.random.default_rng(14)
    for pr, gt in boundary_masks(rng, n=4):
        r = evaluate(gt, gt)
        assert {'boundary_P', 'boundary_R', 'boundary_F', 'intercept_gt', 'intercept_pred', 'intercept_error', 'dG'} <= set(r)
        assert r['boundary_F'] == 1.0 and r['intercept_error'] == 0.0 and r['dG'] == 0.0 and r['intercept_gt'] == r['intercept_pred']
        r = evaluate(pr, gt)
        assert r['intercept_error'] == pytest.approx(intercept_error(pr, gt), abs=1e-15)
        assert r['dG'] == pytest.approx(astm_grain_size_intercept(r['intercept_pred']) - astm_grain_size_intercept(r['intercept_gt']), abs=1e-12)
        assert {k: r[k] for k in ('boundary_P', 'boundary_R', 'boundary_F')} == boundary_prf(pr, gt, 2)
    z = np.zeros((16, 16), np.uint8)
    r = evaluate(z, z)
    assert r['boundary_F'] == 1.0 and np.isnan(r['intercept_gt']) and np.isnan(r['intercept_error']) and np.isnan(r['dG'])


def test_grain_summary_has_the_intercept():
    grid = np.zeros((100, 100), np.uint8)
    grid[::10] = 1
    grid[:, ::10] = 1
    gs = grain_summary(grid, pixel_size_um=2.0)
    assert gs['mean_intercept_um'] == 20.0 and gs['astm_G_intercept'] == astm_grain_size_intercept(20.0)
    assert np.isnan(grain_summary(np.zeros((2, 2), np.uint8))['astm_G_intercept'])


@pytest.mark.parametrize('call, match', [
    (lambda: boundary_prf(np.zeros((4, 4), np.uint8), np.zeros((4, 4), np.uint8), tolerance=-1), r'tolerance must be in \[0, inf\], got -1'),
    (lambda: boundary_prf(np.zeros((4, 4), np.uint8), np.zeros((4, 4), np.uint8), tolerance='2'), 'tolerance must be a number'),
    (lambda: boundary_prf(np.full((4, 4), 255, np.uint8), np.zeros((4, 4), np.uint8)), 'pred must be a binary mask'),
    (lambda: thin_boundaries(np.zeros((2, 3, 4), np.uint8)), 'mask must be a 2D boundary mask'),
    (lambda: mean_lineal_intercept(np.zeros((4, 4), np.uint8), n_lines=0), r'n_lines must be in \[1, inf\], got 0'),
    (lambda: intercept_counts(np.zeros((4, 4), np.uint8), n_lines=2.5), 'n_lines must be an integer, got 2.5'),
    (lambda: mean_lineal_intercept(np.zeros((4, 4), np.uint8), pixel_size_um=0), r'pixel_size_um must be in \(0, inf\], got 0'),
    (lambda: astm_grain_size_intercept(0), r'mean_intercept_um must be in \(0, inf\], got 0'),
    (lambda: astm_grain_size_intercept(float('inf')), 'mean_intercept_um must be a finite number, got inf'),
    (lambda: intercept_error(np.zeros((4, 4), np.uint8), np.zeros((4, 5), np.uint8)), 'pred and gt must have the same shape'),
    (lambda: evaluate(np.zeros((4, 4), np.uint8), np.zeros((4, 4), np.uint8), n_lines=0), 'n_lines'),
])
def test_boundary_and_intercept_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match): call()
