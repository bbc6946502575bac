"""make_finetune_fixtures.py — files of the fine-tuning methods as diffusers / peft /
kohya-ss / AUTOMATIC1111 lay them out, with the outputs diffusers computes after loading
them, for tunegrid's parity tests (tests/workers/test_methods_parity.cpp).

Writes tests/fixtures/finetune/:
  peft_lora/pytorch_lora_weights.safetensors  LoRA (rank 2, alpha 2, to_q/to_k/to_v/to_out.0) added to the
                                              tiny UNet with peft and saved by
                                              StableDiffusionPipeline.save_lora_weights
  kohya_lora.safetensors                      the same adapters in kohya-ss keys with alpha 1
                                              (lora_unet_..._to_q.lora_down.weight / .lora_up.weight / .alpha)
  learned_embeds.safetensors                  a 2-vector textual inversion embedding as diffusers'
                                              textual_inversion.py saves it ({"<cat-toy>": [2, 32]})
  io.safetensors                              x, t, context and the UNet outputs after
                                              pipe.load_lora_weights of each LoRA file; the text
                                              encoder's last_hidden_state of "a <cat-toy> house" after
                                              pipe.load_textual_inversion of the embedding file
  peft_te_lora/pytorch_lora_weights.safetensors  LoRA on the UNet (rank 2, alpha 2, as above) and on the
                                              text encoder (rank 2, alpha 2, q_proj/k_proj/v_proj/out_proj)
                                              saved by save_lora_weights(unet_lora_layers=...,
                                              text_encoder_lora_layers=...): text_encoder.text_model.encoder.
                                              layers.N.self_attn.q_proj.lora_A.weight with transformers 4,
                                              text_encoder.encoder.layers.N... with transformers >= 5 (which
                                              dropped CLIPTextModel's text_model level; diffusers reads both)
  kohya_te_lora.safetensors                   the text-encoder adapters alone in kohya-ss keys with alpha 1
                                              (lora_te_text_model_encoder_layers_N_self_attn_q_proj.lora_down...)
  io_te.safetensors                           x, t, context, the UNet output and the text encoder's
                                              last_hidden_state of TE_PROMPT after pipe.load_lora_weights of
                                              peft_te_lora, and the last_hidden_state after loading
                                              kohya_te_lora (own seeds: the files above do not change)

Run from the repository root (needs tests/fixtures/tiny-sd from make_tiny_sd.py):
  python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install torch diffusers transformers safetensors peft
  /tmp/refvenv/bin/python tests/reference/make_finetune_fixtures.py
"""
import os

import torch
from diffusers import StableDiffusionPipeline
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict
from safetensors.torch import save_file

from tiny_sd_reference import FIXTURES, TARGETS, TE_TARGETS, pipeline, random_lora_b

OUT = os.path.join(FIXTURES, "finetune")
TE_PROMPT = "a photo of a sks house"




def last_hidden_state(pipe, prompt):
    ids = pipe.tokenizer(prompt, padding="max_length", max_length=77, return_tensors="pt").input_ids
    with torch.no_grad():
        return pipe.text_encoder(ids).last_hidden_state


def text_encoder_lora():
    """LoRA on the UNet and the text encoder, as train_dreambooth_lora.py --train_text_encoder saves it."""
    os.makedirs(os.path.join(OUT, "peft_te_lora"), exist_ok=True)
    torch.manual_seed(10)
    io = {
        "x": torch.randn(2, 4, 16, 16),
        "t": torch.tensor([10, 500]),
        "context": torch.randn(2, 7, 32),
    }
    pipe = pipeline()
    pipe.unet.add_adapter(LoraConfig(r=2, lora_alpha=2, init_lora_weights="gaussian", target_modules=TARGETS))
    pipe.text_encoder.add_adapter(LoraConfig(r=2, lora_alpha=2, init_lora_weights="gaussian",
                                             target_modules=TE_TARGETS))
    random_lora_b(pipe.unet, 11, 0.5)
    random_lora_b(pipe.text_encoder, 12, 0.5)
    unet_state = get_peft_model_state_dict(pipe.unet)
    text_state = get_peft_model_state_dict(pipe.text_encoder)  # text_model.encoder.layers.N.self_attn.q_proj.lora_A.weight
    StableDiffusionPipeline.save_lora_weights(os.path.join(OUT, "peft_te_lora"), unet_lora_layers=unet_state,
                                              text_encoder_lora_layers=text_state, safe_serialization=True)
    fresh = pipeline()
    fresh.load_lora_weights(os.path.join(OUT, "peft_te_lora"))
    io["expected_te_peft_text"] = last_hidden_state(fresh, TE_PROMPT)
    with torch.no_grad():
        io["expected_te_peft_unet"] = fresh.unet(io["x"], io["t"], encoder_hidden_states=io["context"]).sample

    # kohya-ss layout of the text-encoder factors alone, alpha 1 (scale 1/2).
    kohya = {}
    for name, value in text_state.items():
        module, part = name.rsplit(".lora_", 1)  # "[text_model.]encoder.layers.0.self_attn.q_proj", "A.weight"
        if not module.startswith("text_model."):
            module = "text_model." + module  # kohya-ss names modules as transformers 4 does
        key = "lora_te_" + module.replace(".", "_")
        kohya[key + (".lora_down.weight" if part == "A.weight" else ".lora_up.weight")] = value.contiguous()
        kohya[key + ".alpha"] = torch.tensor(1.0)
    save_file(kohya, os.path.join(OUT, "kohya_te_lora.safetensors"),
              metadata={"ss_network_module": "networks.lora", "ss_network_dim": "2", "ss_network_alpha": "1"})
    fresh = pipeline()
    fresh.load_lora_weights(os.path.join(OUT, "kohya_te_lora.safetensors"))
    io["expected_te_kohya_text"] = last_hidden_state(fresh, TE_PROMPT)
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(OUT, "io_te.safetensors"))
    print("wrote", OUT, sorted(io))


def main():
    os.makedirs(os.path.join(OUT, "peft_lora"), exist_ok=True)
    torch.manual_seed(0)
    io = {
        "x": torch.randn(2, 4, 16, 16),
        "t": torch.tensor([10, 500]),
        "context": torch.randn(2, 7, 32),
    }

    # diffusers / peft layout, written by diffusers itself.
    pipe = pipeline()
    pipe.unet.add_adapter(LoraConfig(r=2, lora_alpha=2, init_lora_weights="gaussian", target_modules=TARGETS))
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, param in pipe.unet.named_parameters():
            if "lora_B" in name:  # B starts at zero; give it values so the adapters do something
                param.copy_(torch.randn(param.shape, generator=generator) * 0.5)
    lora_state = get_peft_model_state_dict(pipe.unet)
    StableDiffusionPipeline.save_lora_weights(os.path.join(OUT, "peft_lora"), unet_lora_layers=lora_state,
                                              safe_serialization=True)
    fresh = pipeline()
    fresh.load_lora_weights(os.path.join(OUT, "peft_lora"))
    with torch.no_grad():
        io["expected_peft"] = fresh.unet(io["x"], io["t"], encoder_hidden_states=io["context"]).sample

    # kohya-ss layout of the same factors, alpha 1 (scale 1/2).
    kohya = {}
    for name, value in lora_state.items():
        module, part = name.rsplit(".lora_", 1)  # "...attn1.to_q", "A.weight"
        key = "lora_unet_" + module.replace(".", "_")
        kohya[key + (".lora_down.weight" if part == "A.weight" else ".lora_up.weight")] = value.contiguous()
        kohya[key + ".alpha"] = torch.tensor(1.0)
    save_file(kohya, os.path.join(OUT, "kohya_lora.safetensors"),
              metadata={"ss_network_module": "networks.lora", "ss_network_dim": "2", "ss_network_alpha": "1"})
    fresh = pipeline()
    fresh.load_lora_weights(os.path.join(OUT, "kohya_lora.safetensors"))
    with torch.no_grad():
        io["expected_kohya"] = fresh.unet(io["x"], io["t"], encoder_hidden_states=io["context"]).sample

    # Textual inversion, as diffusers' textual_inversion.py saves it.
    vectors = torch.randn(2, 32, generator=generator)
    save_file({"<cat-toy>": vectors}, os.path.join(OUT, "learned_embeds.safetensors"))
    for name, file in [("diffusers", "learned_embeds.safetensors")]:
        fresh = pipeline()
        fresh.load_textual_inversion(os.path.join(OUT, file), token="<cat-toy>")
        prompt = fresh.maybe_convert_prompt("a <cat-toy> house", fresh.tokenizer)  # "<cat-toy> <cat-toy>_1"
        ids = fresh.tokenizer(prompt, padding="max_length", max_length=77, return_tensors="pt").input_ids
        with torch.no_grad():
            io[f"expected_ti_{name}"] = fresh.text_encoder(ids).last_hidden_state
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(OUT, "io.safetensors"))
    print("wrote", OUT, sorted(io))
    text_encoder_lora()


if __name__ == "__main__":
    torch.manual_seed(0)  # peft draws LoRA A from the global generator: fix it, so reruns agree
    main()
