"Networks, training step, resume, checkpoints, translation and bad inputs of microsynth.pix2pix / microsynth.translate (CPU, tiny sizes); the statistics that judge translations are tested in test_realism.py."
import numpy as np, pytest, torch
from PIL import Image
from microsynth.dataset import read_dataset, load_sample
from microsynth.realdata import Pair, load_pairs
from microsynth.pix2pix import (UnetGenerator, PatchDiscriminator, Pix2Pix, PairData, default_config, n_params, label_tensor,
                                train, save_checkpoint, load_checkpoint, read_checkpoint, unet_for_size)
from microsynth.translate import translate_dataset, translate_mask, make_voronoi_dataset, load_generator, weights_id
from microsynth.grains import voronoi_labels
from microsynth.images import boundary_mask

TINY = dict(num_downs=5, ngf=4, ndf=4, n_epochs=1, n_epochs_decay=1, seed=3)

def tiny_pairs(n=4, size=32, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lab = voronoi_labels(size, 5, rng)
        mk = boundary_mask(lab, 2)
        im = np.where(mk[..., None] > 0, 60, 180).astype(np.uint8) + rng.integers(0, 40, (size, size, 3), dtype=np.uint8)
        out.append(Pair(f'train-{i}-0-0.png', str(i), im, mk))
    return out

def test_reference_parameter_counts():
    assert n_params(UnetGenerator(3, 3, num_downs=8, ngf=64)) == 54_413_955
    assert n_params(PatchDiscriminator(6, ndf=64, n_layers=3)) == 2_768_705
    assert unet_for_size(256, 3, 3).num_downs == 8

def test_step_128_cpu():
    run = Pix2Pix(default_config(num_downs=7, ngf=8, ndf=8))
    before = [p.clone() for p in run.G.parameters()]
    x = label_tensor((np.random.default_rng(0).random((128, 128)) > 0.8).astype(np.uint8))[None]
    losses = run.step(x, torch.rand(1, 3, 128, 128) * 2 - 1)
    assert set(losses) == {'G_GAN', 'G_L1', 'D_real', 'D_fake'} and all(np.isfinite(v) for v in losses.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, run.G.parameters()))

def test_resume_equals_uninterrupted(tmp_path):
    data = PairData(tiny_pairs(), crop=32)
    full = train(data, tmp_path/'a', TINY, epochs=2)
    first = train(data, tmp_path/'b', TINY, epochs=1)
    assert first.epoch == 1 and read_checkpoint(tmp_path/'b'/'last.pt')['epoch'] == 1
    resumed = train(data, tmp_path/'b', TINY, epochs=2)  # a new process would do exactly this
    assert resumed.epoch == 2 and len(resumed.history) == len(full.history)
    for a, b in zip(full.G.state_dict().values(), resumed.G.state_dict().values()): assert torch.equal(a, b)
    for a, b in zip(full.D.state_dict().values(), resumed.D.state_dict().values()): assert torch.equal(a, b)
    sa, sb = full.opt_G.state_dict(), resumed.opt_G.state_dict()
    assert sa['param_groups'][0]['lr'] == sb['param_groups'][0]['lr']
    for k in sa['state']: assert torch.equal(sa['state'][k]['exp_avg'], sb['state'][k]['exp_avg'])
    assert full.history == resumed.history

def test_checkpoint_of_other_architecture(tmp_path):
    run = Pix2Pix(TINY); save_checkpoint(run, tmp_path/'last.pt')
    with pytest.raises(ValueError, match='architecture'): load_checkpoint(Pix2Pix({**TINY, 'ngf': 8}), tmp_path/'last.pt')
    with pytest.raises(ValueError, match='architecture'): load_checkpoint(Pix2Pix({**TINY, 'in_ch': 3}), tmp_path/'last.pt')
    (tmp_path/'bad.pt').write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError, match='not a pix2pix checkpoint saved by microsynth'): read_checkpoint(tmp_path/'bad.pt')
    with pytest.raises(FileNotFoundError): read_checkpoint(tmp_path/'missing.pt')
    with pytest.raises(ValueError, match='unknown pix2pix settings'): default_config(ngf_typo=3)

def write_pair(folder, name, im, mk):
    (folder/'images').mkdir(parents=True, exist_ok=True); (folder/'masks').mkdir(parents=True, exist_ok=True)
    Image.fromarray(im).save(folder/'images'/name); Image.fromarray(mk).save(folder/'masks'/name)

def test_unpaired_folders_and_size_mismatch(tmp_path):
    im, mk = np.zeros((32, 32, 3), np.uint8), np.zeros((32, 32), np.uint8)
    write_pair(tmp_path/'a', 'train-1-0-0.png', im, mk)
    Image.fromarray(im).save(tmp_path/'a'/'images'/'train-2-0-0.png')  # an image without a mask
    with pytest.raises(ValueError, match='do not pair up'): load_pairs(tmp_path/'a')
    write_pair(tmp_path/'b', 'train-1-0-0.png', im, np.zeros((16, 16), np.uint8))
    with pytest.raises(ValueError, match='but its mask'): load_pairs(tmp_path/'b')
    with pytest.raises(ValueError, match='sizes differ'): PairData([Pair('x', 'x', im, np.zeros((16, 16), np.uint8))], crop=16)
    with pytest.raises(ValueError, match='larger than the images'): PairData([Pair('x', 'x', im, mk)], crop=64, load_size=32)

def test_label_with_too_many_channels():
    G = UnetGenerator(1, 3, num_downs=5, ngf=4)
    with pytest.raises(ValueError, match='3 channels but the generator takes 1'): translate_mask(G, np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match='classes 0/1'): label_tensor(np.full((8, 8), 255, np.uint8))
    with pytest.raises(ValueError, match='generator takes'): G(torch.zeros(1, 3, 32, 32))

def test_translate_dataset_deterministic_and_resumable(tmp_path):
    run = Pix2Pix(TINY); save_checkpoint(run, tmp_path/'last.pt')
    G, gid = load_generator(tmp_path/'last.pt')
    assert gid == weights_id(run.G)
    src = make_voronoi_dataset(tmp_path/'vor', n=3, size=40, n_grains=6, seed=1)
    a = read_dataset(translate_dataset(src, tmp_path/'syn-a', G, gid, seed=2))
    b = read_dataset(translate_dataset(src, tmp_path/'syn-b', G, gid, seed=2))
    assert len(a) == 3 and set(a['generator']) == {gid} and 'source_params' in a
    for (_, ra), (_, rb) in zip(a.iterrows(), b.iterrows()):
        sa, sb = load_sample(ra), load_sample(rb)
        assert sa['images'].shape == (40, 40, 3) and np.array_equal(sa['images'], sb['images'])
        assert open(ra['images'], 'rb').read() == open(rb['images'], 'rb').read()
    assert weights_id(G) == gid  # translation leaves the generator untouched
    again = read_dataset(translate_dataset(src, tmp_path/'syn-a', G, gid, seed=2))  # rerun: nothing new
    assert len(again) == 3

