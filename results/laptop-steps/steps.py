"""How long must the CPU U-Net train? Real 100% and Real 10% (seed 1) at 350 and 700 steps (the laptop profile's stages, and twice their epochs), judged on the validation crops only.

    MICROSYNTH_DATA=../shared/data .venv/bin/python results/laptop-steps/steps.py > results/laptop-steps/steps.jsonl
"""
import json, time
from microsynth.runner import thread_settings
thread_settings()
from microsynth.realdata import tbm_split
from microsynth.seg_learner import TrainSpec, train_progressive
from microsynth.experiments import real_subset, unet_maps, score_methods
real = tbm_split(0)
for pct in (100, 10):
    for scale in (1, 2):
        r = real_subset(real['train'], pct, 1)
        t0 = time.time()
        stages = [[64, 4 * scale, True], [128, 10 * scale, True]]
        learn = train_progressive(r, [], real['valid'], TrainSpec(stages=stages, crop=128, arch='unet_cpu', bs=8, batches_per_epoch=25, lr=3e-3, colour=0.5, bf16=False), seed=1)
        per_epoch = [round(float(v[0]), 4) for v in learn.recorder.values]  # train loss per epoch of the last stage
        sc = score_methods(unet_maps(learn), real, ['watershed'], splits=('valid',))
        row = dict(pct=pct, steps=350 * scale, s=round(time.time() - t0), valid_loss=learn.history[-1]['valid_loss'], train_loss_last_stage=per_epoch,
                   valid_F=sc.boundary_F.mean(), valid_interr=sc.intercept_error.median(), valid_mAP=sc.mAP.mean())
        print(json.dumps(row), flush=True)
