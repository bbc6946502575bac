"""make_eval_fixtures.py — golden values for tunegrid's evaluation metrics
(tests/workers/test_eval.cpp, suite eval), computed with the reference implementations:

  tests/fixtures/eval/kid.safetensors
      real, fake [40, 16] float64 features; torchmetrics 1.9 KernelInceptionDistance with
      subset_size = 40 (every subset is the whole set, so no sampling): kid_mean (= the
      unbiased MMD², torchmetrics' poly_mmd), kid_std (0); and poly_mmd with degree 2,
      gamma 0.5, coef 0.5 (mmd_d2).
  tests/fixtures/eval/clip_preprocess.safetensors
      image_down uint8 [40, 56, 3] -> pixel_down [1, 3, 32, 32] (shrink, antialiased),
      image_up uint8 [14, 20, 3] -> pixel_up [1, 3, 32, 32] (enlarge),
      image_same uint8 [32, 32, 3] -> pixel_same, by transformers 5's CLIPImageProcessorPil
      (size shortest_edge 32, crop 32; Pillow bicubic).
  tests/fixtures/eval/clip.safetensors
      tests/fixtures/tiny-clip with the tokenizer tests/fixtures/tiny-sd/tokenizer:
      image_embeds of image_down / image_up / image_same (get_image_features after the
      processor above), text_embeds of the prompts in PROMPTS (padded to max_length),
      clip_score_100 = torchmetrics' clip_score value for (images, PROMPTS) and its raw
      per-pair cosines.

Run from the repository root (the venv has torch, transformers, torchmetrics, pillow):
  /work/refvenv/bin/pip install torchmetrics
  /work/refvenv/bin/python tests/reference/make_eval_fixtures.py
"""
import os

import numpy as np
import torch
from safetensors.torch import save_file
from torchmetrics.functional.multimodal.clip_score import _clip_score_update
from torchmetrics.image.kid import KernelInceptionDistance, poly_mmd
from transformers import CLIPModel, CLIPTokenizer
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
OUT = os.path.join(ROOT, "eval")
PROMPTS = ["a hanok in the fire", "a red house", "a collapsed apartment building"]
torch.set_grad_enabled(False)


class Identity(torch.nn.Module):
    """A 'feature extractor' that returns its input: KID on given features."""

    def forward(self, x):
        return x


def kid_fixture():
    g = torch.Generator().manual_seed(11)
    real = torch.randn(40, 16, generator=g, dtype=torch.float64)
    fake = 0.8 * torch.randn(40, 16, generator=g, dtype=torch.float64) + 0.3
    metric = KernelInceptionDistance(feature=Identity(), subsets=3, subset_size=40, normalize=False)
    metric.update(real, real=True)
    metric.update(fake, real=False)
    kid_mean, kid_std = metric.compute()
    direct = poly_mmd(real, fake)
    assert torch.allclose(kid_mean.double(), direct.double(), rtol=1e-12), (kid_mean, direct)
    save_file({"real": real, "fake": fake,
               "kid_mean": kid_mean.double().reshape(1), "kid_std": kid_std.double().reshape(1),
               "mmd_d2": poly_mmd(real, fake, degree=2, gamma=0.5, coef=0.5).double().reshape(1)},
              os.path.join(OUT, "kid.safetensors"))
    print("kid", kid_mean.item(), kid_std.item())


def test_image(height, width, seed):
    """Smooth gradients, a sharp-edged block and some noise: exercises every filter tap."""
    g = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    image = np.stack([255 * x / max(1, width - 1), 255 * y / max(1, height - 1),
                      127 + 100 * np.sin(x / 2.0 + y / 3.0)], axis=-1)
    image[height // 4: height // 2, width // 3: 2 * width // 3] = [250, 20, 30]
    image += g.normal(0, 12, image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    kid_fixture()

    processor = CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    images = {"down": test_image(40, 56, 1), "up": test_image(14, 20, 2), "same": test_image(32, 32, 3)}
    pre = {}
    for name, image in images.items():
        pre[f"image_{name}"] = torch.from_numpy(image.copy())
        pre[f"pixel_{name}"] = processor(images=[image], return_tensors="pt")["pixel_values"].float()
    save_file(pre, os.path.join(OUT, "clip_preprocess.safetensors"))

    model = CLIPModel.from_pretrained(os.path.join(ROOT, "tiny-clip")).eval()
    tokenizer = CLIPTokenizer.from_pretrained(os.path.join(ROOT, "tiny-sd", "tokenizer"))
    pixels = torch.cat([pre[f"pixel_{name}"] for name in images])  # [3, 3, 32, 32]
    image_embeds = model.visual_projection(model.vision_model(pixel_values=pixels).pooler_output)
    ids = tokenizer(PROMPTS, padding="max_length", max_length=tokenizer.model_max_length, truncation=True,
                    return_tensors="pt").input_ids
    text_embeds = model.text_projection(model.text_model(input_ids=ids).pooler_output)

    class Processor:
        """CLIPProcessor's interface over the PIL image processor and the tiny tokenizer."""

        def __call__(self, text=None, images=None, return_tensors="pt", padding=True, **kwargs):
            if images is not None:
                arrays = [i.permute(1, 2, 0).numpy() if torch.is_tensor(i) else i for i in images]
                return processor(images=arrays, return_tensors=return_tensors)
            return tokenizer(text, padding=padding, truncation=True, return_tensors=return_tensors)

    class Features:
        """transformers 5's get_*_features return model outputs; torchmetrics 1.9 expects tensors."""

        config = model.config

        def to(self, device):
            return self

        def get_image_features(self, pixel_values):
            return model.get_image_features(pixel_values=pixel_values).pooler_output

        def get_text_features(self, input_ids, attention_mask):
            return model.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output

    # torchmetrics' own scoring path (normalise, 100·cos per pair), with our model and processor.
    chw = [torch.from_numpy(images[name].copy()).permute(2, 0, 1) for name in images]
    scores, count = _clip_score_update(chw, PROMPTS, Features(), Processor())
    clip_score_100 = torch.max(scores.mean(0), torch.zeros_like(scores.mean(0)))
    cosines = torch.nn.functional.cosine_similarity(image_embeds, text_embeds, dim=-1)
    assert torch.allclose(scores, 100 * cosines, atol=1e-4), (scores, cosines)
    save_file({"image_embeds": image_embeds.contiguous(), "text_embeds": text_embeds.contiguous(),
               "input_ids": ids, "cosines": cosines.double(),
               "clip_score_100": clip_score_100.double().reshape(1)},
              os.path.join(OUT, "clip.safetensors"))
    print("clip cosines", cosines.tolist(), "clip_score_100", clip_score_100.item())
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"fixtures: {total} bytes")


if __name__ == "__main__":
    main()
