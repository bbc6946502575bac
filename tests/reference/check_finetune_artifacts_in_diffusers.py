"""check_finetune_artifacts_in_diffusers.py — proves that what tunegrid's fine-tuning jobs
write opens in diffusers and gives tunegrid's images: for a run of
experiments/finetune-check.toml it loads
  finetune.lora               pytorch_lora_weights.safetensors (pipe.load_lora_weights) and
                              lora_kohya.safetensors (diffusers' kohya converter),
  finetune.textual_inversion  learned_embeds.safetensors and the AUTOMATIC1111 hanok.pt
                              (pipe.load_textual_inversion; torch.load for its fields),
  finetune.dreambooth         the artifact folder itself (StableDiffusionPipeline.from_pretrained),
  finetune.custom_diffusion   pytorch_custom_diffusion_weights.safetensors (diffusers'
                              CustomDiffusionAttnProcessor via unet._process_custom_diffusion)
                              and <new1>.safetensors (load_textual_inversion),
  merge.custom_diffusion      the merged matrices and both tokens, likewise (and the
                              jointly trained two-concept stage `joint`),
  finetune.hypernetwork       hanok.pt with torch.load (weights_only, as AUTOMATIC1111 restricts
                              unpickling): its A1111 fields and {width: [state_k, state_v]};
samples each with the prompt, seed, steps and guidance of the run's sample jobs and
compares the images with the ones tunegrid stored. Run from the repository root:
  /tmp/refvenv/bin/pip install torch diffusers transformers safetensors peft h5py
  /tmp/refvenv/bin/python tests/reference/check_finetune_artifacts_in_diffusers.py RUN_DIR BASE_MODEL_DIR
(BASE_MODEL_DIR: the builtin:tiny-sd folder the run used, e.g. ~/.cache/tunegrid/tiny-sd-<key>).
Prints the max abs pixel differences (0-255) and exits 1 above 3."""
import glob
import json
import os
import sys

import h5py
import numpy as np
import torch
from diffusers import StableDiffusionPipeline
from safetensors.torch import load_file

run, base = sys.argv[1], sys.argv[2]
stage_of = {"finetune.textual_inversion": "ti", "finetune.dreambooth": "dreambooth", "finetune.lora": "lora",
            "finetune.hypernetwork": "hypernetwork", "finetune.custom_diffusion": "custom_diffusion",
            "merge.custom_diffusion": "merged"}
artifacts, samples, concept = {}, [], {}
for shard in glob.glob(os.path.join(run, "jobs", "*.h5")):
    with h5py.File(shard) as h:
        kind = h.attrs["kind"]
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind in stage_of:
            art = os.path.join(run, "artifacts", os.path.basename(shard)[:-3])
            manifest = json.load(open(os.path.join(art, "finetune.json")))
            stage = stage_of[kind]
            if kind == "finetune.custom_diffusion" and len(manifest["tokens"]) > 1:
                stage = "joint"  # both concepts trained together
            elif kind == "finetune.custom_diffusion" and not manifest["concept_text"].startswith("<new1>"):
                stage = "custom_diffusion_b"  # the second concept of the merge
            artifacts[stage] = art
            concept[stage] = manifest["concept_text"]
        elif kind == "sample":
            params = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in h["params"].attrs.items()}
            spec = h.attrs["spec"]
            samples.append((params, spec.decode() if isinstance(spec, bytes) else spec, h["images/samples"][:]))


def spec_value(spec, key):
    for line in spec.splitlines():
        if line.strip().startswith(key + " ="):
            return json.loads(line.split("=", 1)[1].strip())
    raise KeyError(key)


def pipeline_for(stage, variant):
    art = artifacts[stage]
    if stage == "dreambooth":
        return StableDiffusionPipeline.from_pretrained(art, safety_checker=None)
    pipe = StableDiffusionPipeline.from_pretrained(base, safety_checker=None)
    if stage == "lora":
        pipe.load_lora_weights(os.path.join(art, variant))
    elif stage in ("custom_diffusion", "merged", "joint"):
        # diffusers 0.42's unet.load_attn_procs sets processors only when given _pipeline, and
        # then wants one for every attention (its .bin files carry empty dicts for attn1, which
        # safetensors cannot hold): build the attn2 processors with its own
        # _process_custom_diffusion and keep the others.
        processors = dict(pipe.unet.attn_processors)
        processors.update(pipe.unet._process_custom_diffusion(
            load_file(os.path.join(art, "pytorch_custom_diffusion_weights.safetensors"))))
        pipe.unet.set_attn_processor(processors)
        for token_file in sorted(glob.glob(os.path.join(art, "<*>.safetensors"))):
            pipe.load_textual_inversion(token_file, token=os.path.basename(token_file)[:-len(".safetensors")])
    else:
        pipe.load_textual_inversion(os.path.join(art, variant), token="<hanok>")
    return pipe


a1111 = torch.load(os.path.join(artifacts["ti"], "hanok.pt"), map_location="cpu")
print("hanok.pt fields:", sorted(a1111), "vectors", tuple(a1111["string_to_param"]["*"].shape))
assert set(a1111) >= {"string_to_token", "string_to_param", "name", "step", "sd_checkpoint", "sd_checkpoint_name"}

if "hypernetwork" in artifacts:
    hn = torch.load(os.path.join(artifacts["hypernetwork"], "hanok.pt"), map_location="cpu")
    widths = sorted(k for k in hn if isinstance(k, int))
    print("hypernetwork hanok.pt: widths", widths, "fields", sorted(k for k in hn if isinstance(k, str)))
    assert widths and all(len(hn[w]) == 2 and "linear.0.weight" in hn[w][0] for w in widths)
    assert {"layer_structure", "activation_func", "is_layer_norm", "use_dropout", "step", "name"} <= set(hn)

variants = {"lora": ["pytorch_lora_weights.safetensors", "lora_kohya.safetensors"],
            "ti": ["learned_embeds.safetensors", "hanok.pt"], "dreambooth": [""],
            "custom_diffusion": ["pytorch_custom_diffusion_weights.safetensors"],
            "merged": ["pytorch_custom_diffusion_weights.safetensors"],
            "joint": ["pytorch_custom_diffusion_weights.safetensors"]}
worst = 0.0
for params, spec, ours in samples:
    stage, disaster = params["finetuned"], params["disaster"]
    if stage == "hypernetwork":
        continue  # diffusers has no hypernetwork loader
    prompt = f"a {concept[stage]}" + ("" if disaster == "none" else f" in the {disaster}")
    for variant in variants[stage]:
        pipe = pipeline_for(stage, variant)
        generator = torch.Generator().manual_seed(int(spec_value(spec, "seed")))
        with torch.no_grad():
            images = pipe(prompt, num_images_per_prompt=len(ours), num_inference_steps=int(spec_value(spec, "steps")),
                          guidance_scale=float(spec_value(spec, "guidance")), generator=generator,
                          output_type="np").images
        theirs = (images * 255).round().clip(0, 255).astype(np.uint8)
        error = np.abs(theirs.astype(int) - ours.astype(int)).max()
        print(f"{stage:10} {variant or 'pipeline folder':34} {prompt!r:28} max abs pixel difference {error}")
        worst = max(worst, error)
sys.exit(0 if worst <= 3 else 1)
