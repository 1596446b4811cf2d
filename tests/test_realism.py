"The statistics of microsynth.realism that judge synthetic micrographs: realism gap, boundary scores and their chance pairing, bad inputs (tiny sizes)."
import numpy as np, pytest
from microsynth.images import boundary_mask
from microsynth.grains import voronoi_labels
from microsynth.realism import boundary_scores, edge_auc, edge_boundary_iou, label_image, realism_gap

def test_statistics():
    rng = np.random.default_rng(0)
    real = [rng.integers(0, 255, (32, 32, 3), dtype=np.uint8) for _ in range(3)]
    assert realism_gap(real, real)['gap'] == 0 and realism_gap(real, real)['hist_w1'] == [0, 0, 0]
    with pytest.raises(ValueError, match='at least 2 real'): realism_gap(real, real[:1])
    with pytest.raises(ValueError, match='sizes differ'): edge_boundary_iou(np.zeros((8, 8)), np.zeros((9, 9, 3), np.uint8))

def test_boundary_scores_chance_swaps_whole_masks():
    # regression: chance once rolled the pixels of a stacked mask array (a 1 px shift), so chance read ≈ own
    rng = np.random.default_rng(0)
    masks = [boundary_mask(voronoi_labels(96, 12, rng), 3) for _ in range(4)] + [boundary_mask(voronoi_labels(80, 10, rng), 3)]
    imgs = [label_image(m) for m in masks]
    for f in (edge_boundary_iou, edge_auc):
        s = boundary_scores(masks, imgs, f)
        assert s['own'] > s['chance'] + 0.2, (f.__name__, s)

def test_edge_auc_bad_input():
    with pytest.raises(ValueError, match='sizes differ'): edge_auc(np.zeros((8, 8)), np.zeros((9, 8, 3)))

def test_boundary_scores_chance_skips_neighbouring_samples():
    # regression: adjacent sections of one Potts volume nearly share their masks, so pairing mask i+1 read chance ≈ own
    rng = np.random.default_rng(1)
    a, b = (boundary_mask(voronoi_labels(96, 12, rng), 3) for _ in range(2))
    masks = [a, a, b, b]  # two "volumes", two identical neighbouring sections each
    s = boundary_scores(masks, [label_image(m) for m in masks], edge_auc)
    assert s['own'] > 0.9 and abs(s['chance'] - 0.5) < 0.15, s
