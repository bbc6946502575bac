"""make_tiny_vit.py — golden values for tunegrid's ViT image classifier (workers/models/vit_classifier.h,
tests/workers/test_vit.cpp, suite vit): transformers 5.23's ViTForImageClassification on a tiny random config.

Writes:
  tests/fixtures/tiny-vit/             config.json + model.safetensors as save_pretrained writes them (the
                                       original layout, vit.encoder.layer.N.attention.attention.query...,
                                       which transformers 4 and 5 both read), id2label naming 5 classes
  tests/fixtures/tiny-vit-v5-keys/     the same weights under transformers 5's module names
                                       (vit.layers.N.attention.q_proj, o_proj, mlp.fc1 / fc2), as
                                       model.state_dict() gives them
  tests/fixtures/parity/vit.safetensors  pixel_values [3, 3, 32, 32] (normalised, as ViTImageProcessor gives
                                       them), the logits, ViTModel's last_hidden_state (after the final
                                       layernorm), and for labels [0, 3, 4] the
                                       cross-entropy loss and the gradients of classifier.weight and layer 0's
                                       query weight (dropout 0)

Run from the repository root (about 5 s, one thread):
  /tmp/refvenv/bin/python tests/reference/make_tiny_vit.py
"""
import os

import torch

torch.set_num_threads(1)

from safetensors.torch import save_file  # noqa: E402
from transformers import ViTConfig, ViTForImageClassification  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
torch.manual_seed(0)
labels = ["airplane", "beach", "forest", "harbor", "runway"]
config = ViTConfig(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                   intermediate_size=64, num_labels=len(labels), id2label=dict(enumerate(labels)),
                   label2id={name: i for i, name in enumerate(labels)}, layer_norm_eps=1e-12)
model = ViTForImageClassification(config).eval()
with torch.no_grad():  # non-trivial norms and embeddings (their init is ones / zeros / tiny)
    g = torch.Generator().manual_seed(5)
    for name, p in model.named_parameters():
        if "layernorm" in name or "cls_token" in name or "position" in name or name.endswith("bias"):
            p.add_(0.2 * torch.randn(p.shape, generator=g))
model.save_pretrained(os.path.join(ROOT, "tiny-vit"))
v5 = os.path.join(ROOT, "tiny-vit-v5-keys")
os.makedirs(v5, exist_ok=True)
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(v5, "model.safetensors"))
with open(os.path.join(ROOT, "tiny-vit", "config.json")) as f, open(os.path.join(v5, "config.json"), "w") as g5:
    g5.write(f.read())

g = torch.Generator().manual_seed(1)
pixel_values = torch.rand(3, 3, 32, 32, generator=g) * 2 - 1
target = torch.tensor([0, 3, 4])
model.zero_grad()
out = model(pixel_values=pixel_values, labels=target)
with torch.no_grad():
    last_hidden_state = model.vit(pixel_values=pixel_values).last_hidden_state  # after the final layernorm
out.loss.backward()
query = model.vit.layers[0].attention.q_proj.weight
save_file({"pixel_values": pixel_values, "labels": target, "logits": out.logits.detach(),
           "last_hidden_state": last_hidden_state, "loss": out.loss.detach().reshape(1),
           "grad_classifier_weight": model.classifier.weight.grad, "grad_layer0_query_weight": query.grad},
          os.path.join(ROOT, "parity", "vit.safetensors"))
print(sorted(model.state_dict().keys())[:8])
print("loss", out.loss.item())
