"""make_clip_lora_fixtures.py — golden values for tunegrid's CLIP-LoRA classifier (DataDream-style zero-shot
CLIP head with LoRA on the attention q/v projections of both towers): transformers 5.23.0's CLIPModel on
tests/fixtures/tiny-clip, adapted with peft 0.21.2 (torch 2.15, CPU, float32).

Writes:
  tests/fixtures/parity/clip_lora.safetensors   (float32; input_ids and labels int64)
      pixel_values       [4, 3, 32, 32]  torch.Generator().manual_seed(0): torch.rand(...) * 3 - 1.5, i.e.
                                         uniform in [-1.5, 1.5), taken as already normalised
      input_ids          [3, 8] int64    one prompt per class; from the same generator (after pixel_values),
                                         row c = [bos 998, n_c tokens from torch.randint(3, 997), eos 999,
                                         pad 999 ...] with n_c = 3, 6, 1 (lengths 5, 8, 3 before padding).
                                         No attention_mask: the text tower sees only its causal mask.
      labels             [4] int64       [0, 2, 1, 2]
      logits             [4, 3]          logits_per_image with the adapters (before the step)
      loss               [1]             cross_entropy(logits, labels), mean over the 4 images
      logits_after_step  [4, 3]          the same logits after one AdamW step on the LoRA weights
      grad.<key>                         the loss's gradient of every LoRA weight (before the step)
      before.<key>, after.<key>          every LoRA weight before / after the step; <key> as peft's
                                         get_peft_model_state_dict gives it (no adapter name), e.g.
                                         before.base_model.model.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight
                                         for {text,vision}_model.encoder.layers.{0,1}.self_attn.{q,v}_proj
                                         .lora_{A,B}.weight: lora_A [4, 32], lora_B [32, 4] (16 tensors each)
  tests/fixtures/clip-lora-adapter/             model.save_pretrained(...) of the PeftModel with the
                                                before-step weights: adapter_config.json (r 4, lora_alpha 8,
                                                target_modules q_proj / v_proj, base_model_name_or_path
                                                set to "tests/fixtures/tiny-clip", target_modules written as
                                                ["q_proj", "v_proj"] since peft's set would be saved in
                                                hash order) and adapter_model.safetensors (metadata
                                                {"format": "pt"}),
                                                whose keys are the same <key>s as above (printed by the
                                                script). peft's generated README.md is deleted.

The computation (what the C++ side reproduces):
  * LoRA: LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]) through
    get_peft_model; this wraps q_proj and v_proj of every encoder layer of both towers (8 Linear layers).
    Each wrapped layer computes  y = W x + b + scaling * B (A x),  scaling = lora_alpha / r = 2.
    peft initialises B = 0, so every lora_A / lora_B weight is overwritten, in model.named_parameters()
    order, with torch.randn(shape, generator=torch.Generator().manual_seed(1)) * 0.1 (one generator
    shared by all). Everything except the LoRA weights is frozen (requires_grad False; logit_scale too).
  * Text tower: token + position embeddings, 2 pre-LN layers with a causal mask, final_layer_norm,
    pooled at the first position where input_ids == eos_token_id (999). The config's eos_token_id is not 2,
    so transformers uses this "first eos" rule, not the legacy argmax(input_ids) rule; the ids are chosen
    so the two agree anyway (999 is the largest id and argmax returns its first occurrence).
    text_embeds = text_projection(pooled) (no bias), divided by its L2 norm.
  * Vision tower: patch embedding + class token + positions, pre_layrnorm, 2 layers, post_layernorm on the
    class token; image_embeds = visual_projection(.) (no bias), divided by its L2 norm.
  * logits = logit_scale.exp() * image_embeds @ text_embeds.T   ([4, 3]); the stored logit_scale is the
    raw parameter (-0.0974 in tiny-clip, so the factor is exp(-0.0974) ~ 0.907, not the config's
    logit_scale_init_value 2.6592). Asserted equal to model(input_ids, pixel_values).logits_per_image.
  * One step of torch.optim.AdamW(LoRA params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=1e-4, foreach=False) on loss: p <- p * (1 - lr * wd); m = 0.1 g; v = 0.001 g^2;
    p <- p - (lr / (1 - 0.9)) * m / (sqrt(v) / sqrt(1 - 0.999) + eps). Modules stay in eval mode
    (all dropouts are 0 anyway).

Run from the repository root (a few seconds, one thread); deterministic (identical bytes on rerun):
  /tmp/refvenv/bin/pip install transformers==5.23.0 peft==0.21.2 safetensors
  /tmp/refvenv/bin/python tests/reference/make_clip_lora_fixtures.py
"""
import json
import os

import torch

torch.set_num_threads(1)

import peft  # noqa: E402
import transformers  # noqa: E402
from peft import LoraConfig, get_peft_model, get_peft_model_state_dict  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import CLIPModel  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
ADAPTER_DIR = os.path.join(ROOT, "clip-lora-adapter")
torch.manual_seed(0)

model = CLIPModel.from_pretrained(os.path.join(ROOT, "tiny-clip")).eval()
text_cfg, vision_cfg = model.config.text_config, model.config.vision_config
S, L, VOCAB = vision_cfg.image_size, 8, text_cfg.vocab_size
BOS, EOS, PAD = text_cfg.bos_token_id, text_cfg.eos_token_id, text_cfg.pad_token_id
assert L <= text_cfg.max_position_embeddings and EOS == VOCAB - 1 and EOS != 2

# ---- inputs
g = torch.Generator().manual_seed(0)
pixel_values = torch.rand(4, 3, S, S, generator=g) * 3 - 1.5
rows = []
for n in (3, 6, 1):
    body = torch.randint(3, VOCAB - 3, (n,), generator=g).tolist()
    row = [BOS] + body + [EOS]
    rows.append(row + [PAD] * (L - len(row)))
input_ids = torch.tensor(rows, dtype=torch.int64)
labels = torch.tensor([0, 2, 1, 2], dtype=torch.int64)
first_eos = (input_ids == EOS).int().argmax(dim=-1)
assert torch.equal(first_eos, input_ids.to(torch.int).argmax(dim=-1)), "eos rules disagree"

# ---- LoRA
lora_config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"])
model = get_peft_model(model, lora_config)
model.peft_config["default"].base_model_name_or_path = "tests/fixtures/tiny-clip"  # not the absolute path
model.peft_config["default"].target_modules = ["q_proj", "v_proj"]  # peft keeps a set: fix the saved order
wrapped = sorted(name for name, module in model.named_modules() if hasattr(module, "lora_A"))
print("wrapped modules:")
for name in wrapped:
    print("  ", name)
expected = sorted(f"base_model.model.{tower}_model.encoder.layers.{i}.self_attn.{proj}"
                  for tower in ("text", "vision") for i in range(2) for proj in ("q_proj", "v_proj"))
assert wrapped == expected, wrapped

g = torch.Generator().manual_seed(1)
lora_params = []
with torch.no_grad():
    for name, p in model.named_parameters():
        if "lora_A" in name or "lora_B" in name:
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
            lora_params.append(p)
        assert p.requires_grad == ("lora_" in name), name
assert len(lora_params) == 16


def clip_logits(m):
    base = m.base_model.model  # the CLIPModel with LoRA-wrapped q_proj / v_proj
    text = base.text_model(input_ids=input_ids).pooler_output
    image = base.vision_model(pixel_values=pixel_values).pooler_output
    text_embeds = base.text_projection(text)
    image_embeds = base.visual_projection(image)
    text_embeds = text_embeds / text_embeds.norm(p=2, dim=-1, keepdim=True)
    image_embeds = image_embeds / image_embeds.norm(p=2, dim=-1, keepdim=True)
    out = base.logit_scale.exp() * image_embeds @ text_embeds.T
    with torch.no_grad():
        ref = m(input_ids=input_ids, pixel_values=pixel_values).logits_per_image
    torch.testing.assert_close(out.detach(), ref, rtol=1e-5, atol=1e-6)
    return out


def lora_state(prefix):
    return {prefix + k: v.detach().clone().contiguous() for k, v in get_peft_model_state_dict(model).items()}


before = lora_state("before.")
model.save_pretrained(ADAPTER_DIR)
readme = os.path.join(ADAPTER_DIR, "README.md")
if os.path.exists(readme):
    os.remove(readme)

logits = clip_logits(model)
with torch.no_grad(), model.disable_adapter():
    plain = clip_logits(model)
assert (logits - plain).abs().max() > 1e-2, "the adapters should change the logits"
loss = torch.nn.functional.cross_entropy(logits, labels)
optimizer = torch.optim.AdamW(lora_params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4,
                              foreach=False)
optimizer.zero_grad()
loss.backward()
grads = {"grad." + name.replace(".default.", "."): p.grad.detach().clone().contiguous()
         for name, p in model.named_parameters() if p.requires_grad}
assert sorted(k[len("grad."):] for k in grads) == sorted(get_peft_model_state_dict(model)), sorted(grads)
optimizer.step()
with torch.no_grad():
    logits_after = clip_logits(model)
after = lora_state("after.")

tensors = {"pixel_values": pixel_values, "input_ids": input_ids, "labels": labels,
           "logits": logits.detach(), "loss": loss.detach().reshape(1), "logits_after_step": logits_after}
tensors.update(before)
tensors.update(after)
tensors.update(grads)
for k, v in tensors.items():
    assert v.dtype in (torch.float32, torch.int64), (k, v.dtype)
save_file(tensors, os.path.join(ROOT, "parity", "clip_lora.safetensors"))

print("transformers", transformers.__version__, "peft", peft.__version__, "torch", torch.__version__)
print("input_ids", input_ids.tolist(), "pool at", first_eos.tolist())
print("logit_scale", model.base_model.model.logit_scale.item(), "exp", model.base_model.model.logit_scale.exp().item())
print("loss", loss.item())
print("logits[0]", logits[0].tolist())
print("logits_after_step[0]", logits_after[0].tolist())
print("fixture keys:", sorted(tensors))
with safe_open(os.path.join(ADAPTER_DIR, "adapter_model.safetensors"), "pt") as f:
    adapter_keys = sorted(f.keys())
    print("adapter_model.safetensors metadata", f.metadata())
print("adapter_model.safetensors keys:")
for k in adapter_keys:
    print("  ", k)
assert adapter_keys == sorted(k[len("before."):] for k in before)
with open(os.path.join(ADAPTER_DIR, "adapter_config.json")) as f:
    print("adapter_config.json", json.dumps(json.load(f), sort_keys=True))
