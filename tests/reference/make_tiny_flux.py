"""make_tiny_flux.py — builds the tiny random FLUX.1 folders and the golden outputs that tunegrid's FLUX
parity tests compare against.

Writes, with fixed seeds (float32 everywhere, all outputs together well under 3 MB):
  tests/fixtures/tiny-flux/                   a complete diffusers FluxPipeline folder (model_index.json,
                                              transformer/ (guidance-distilled, like FLUX.1-dev), vae/,
                                              text_encoder/ (CLIP), tokenizer/ (copy of tiny-sd/tokenizer),
                                              text_encoder_2/ (T5 encoder, gated-gelu), tokenizer_2/ (T5,
                                              with spiece.model), scheduler/ (FLUX.1-dev's flow-match config))
  tests/fixtures/tiny-flux-schnell/transformer/  the same transformer without guidance embedding (schnell)
  tests/fixtures/tiny-t5-relu/                a T5 encoder with feed_forward_proj="relu" (T5 v1.0 style)
  tests/fixtures/parity/flux_transformer.safetensors  transformer inputs/outputs, RoPE cos/sin
  tests/fixtures/parity/flux_vae.safetensors  VAE encode/decode with FLUX's 16-channel latents, shift+scale
  tests/fixtures/parity/t5.safetensors        T5 encoder outputs (gated-gelu and relu)
  tests/fixtures/parity/t5_tokenizer_cases.json  tokenizer_2 ids as FluxPipeline asks for them
  tests/fixtures/parity/flow_match.json       FlowMatchEulerDiscreteScheduler timesteps/sigmas/steps
  tests/fixtures/parity/flux_pipeline.safetensors  a whole seeded FluxPipeline run

Tokenizer_2: a SentencePiece unigram model (vocab 300, pad=0 </s>=1 <unk>=2, no bos, nmt_nfkc normalization,
sentencepiece's defaults otherwise) trained here on a small generated English corpus, wrapped in transformers'
T5Tokenizer (in transformers 5 that is the tokenizers-backed class; T5TokenizerFast is an alias) with
extra_ids=0, i.e. no <extra_id_N> sentinels: the vocabulary is exactly the 300 pieces of spiece.model and
T5Config.vocab_size is 300.

Note: the tiny VAE has two blocks, so its scale factor is 2 (not 8 as in FLUX.1): a 32x32 image is a 16x16x16
latent, packed into 8x8 = 64 tokens of 64 channels. The pipeline run therefore uses packed latents [1, 64, 64]
(image_seq_len 64); the transformer-only fixture uses a 4x4 packed grid (16 tokens).

Run from the repository root (takes a few seconds, one thread):
  /tmp/refvenv/bin/python tests/reference/make_tiny_flux.py
"""
import functools
import json
import os
import random
import shutil
import tempfile

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_grad_enabled(False)

import sentencepiece as spm  # noqa: E402
from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel  # noqa: E402
from diffusers.pipelines.flux.pipeline_flux import calculate_shift  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer, T5Config, T5EncoderModel, T5Tokenizer  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
FLUX = os.path.join(ROOT, "tiny-flux")
SCHNELL = os.path.join(ROOT, "tiny-flux-schnell")
T5_RELU = os.path.join(ROOT, "tiny-t5-relu")
PARITY = os.path.join(ROOT, "parity")
T5_MAX_LENGTH = 24

FLUX_SCHEDULER = dict(num_train_timesteps=1000, shift=3.0, use_dynamic_shifting=True, base_shift=0.5,
                      max_shift=1.15, base_image_seq_len=256, max_image_seq_len=4096)


def randomize(module, seed):
    """Random weights everywhere (zero-initialised layers would hide bugs). Norm gains (1-D weights of norm
    layers) stay near 1; everything else, including the Linear layers inside FLUX's AdaLayerNorm modules
    (named norm1.linear etc.), is random with a fan-in-scaled std."""
    g = torch.Generator().manual_seed(seed)
    for name, p in module.named_parameters():
        if "norm" in name and name.endswith("weight") and p.dim() == 1:
            p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
        else:
            fan_in = p[0].numel() if p.dim() > 0 else 1
            p.copy_(0.2 * torch.randn(p.shape, generator=g) / max(1.0, fan_in ** 0.5 / 4))
    return module


def floats(t):
    """float32 values as plain Python floats (json writes the shortest float64 text that reproduces them)."""
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return [float(v) for v in a.astype(np.float32).reshape(-1)]


def nested(t):
    return t.detach().cpu().to(torch.float32).numpy().tolist()  # exact float32 values as Python floats


# ---------------------------------------------------------------------------------------------------------
# tokenizer_2: a tiny SentencePiece unigram model
# ---------------------------------------------------------------------------------------------------------

def corpus():
    r = random.Random(7)
    adjectives = ["small", "large", "old", "new", "red", "white", "burning", "flooded", "wooden", "brick",
                  "damaged", "collapsed", "empty", "tall", "narrow", "green", "grey", "dark", "bright", "quiet"]
    things = ["house", "houses", "building", "roof", "barn", "church", "school", "bridge", "road", "street",
              "village", "town", "farm", "field", "river", "forest", "car", "truck", "tree", "garden", "hanok",
              "tower", "warehouse", "factory", "shop", "boat", "harbor", "hill", "valley", "lake"]
    events = ["fire", "flood", "storm", "smoke", "flames", "water", "rain", "snow", "mud", "wind", "wildfire",
              "earthquake", "landslide", "hurricane", "tornado"]
    views = ["aerial view of", "drone photo of", "satellite image of", "photo of", "close-up of",
             "a painting of", "top-down view of", "wide shot of", "a sketch of", "an aerial photograph of"]
    verbs = ["is burning", "was flooded", "stands near", "is surrounded by", "collapsed after", "survived",
             "is covered in", "was destroyed by", "is next to", "looks over"]
    places = ["in the morning", "at night", "at sunset", "in winter", "after the storm", "during the flood",
              "in the fire", "near the river", "on the hill", "by the sea", "in 2019", "in 1998", "at 6:30 pm"]
    lines = []
    for _ in range(420):
        k = r.randrange(5)
        a, b = r.choice(adjectives), r.choice(adjectives)
        t1, t2, e = r.choice(things), r.choice(things), r.choice(events)
        if k == 0:
            s = f"{r.choice(views)} a {a} {t1} {r.choice(places)}."
        elif k == 1:
            s = f"The {a} {t1} {r.choice(verbs)} the {e}, and the {b} {t2} {r.choice(verbs)} {e}."
        elif k == 2:
            s = f"{r.randrange(2, 400)} {t1}s were hit by {e}; {r.randrange(0, 100)}% of the {t2} is {b}!"
        elif k == 3:
            s = f"Is the {t1} {a}? Yes - it {r.choice(verbs)} a {e} ({r.randrange(1, 60)} m high)."
        else:
            s = f"\"{r.choice(views).capitalize()} {e}\": {a} {t1}, {b} {t2}, {r.choice(places)}... #{r.randrange(10)}"
        lines.append(s)
    lines += ["0 1 2 3 4 5 6 7 8 9 10 100 1000 3.5 12:45", "A B C D E F G H I J K L M N O P Q R S T U V W X Y Z",
              "a b c d e f g h i j k l m n o p q r s t u v w x y z", ". , ; : ! ? ' \" ( ) [ ] - _ / + = % & # @ *"]
    return lines


def train_spiece(folder):
    """Trains spiece.model in memory (no file paths end up in its trainer_spec, so the bytes are reproducible)."""
    import io
    os.makedirs(folder, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()), model_writer=model, model_type="unigram", vocab_size=300,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
        character_coverage=1.0, num_threads=1, minloglevel=2)
    path = os.path.join(folder, "spiece.model")
    with open(path, "wb") as f:
        f.write(model.getvalue())
    return path


def t5_config(vocab_size, ff):
    return T5Config(vocab_size=vocab_size, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                    relative_attention_num_buckets=8, relative_attention_max_distance=16, feed_forward_proj=ff,
                    dropout_rate=0.0, is_encoder_decoder=False, use_cache=False)


def transformer_config(guidance):
    return dict(patch_size=1, in_channels=64, num_layers=2, num_single_layers=2, attention_head_dim=8,
                num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32,
                guidance_embeds=guidance, axes_dims_rope=(2, 2, 4))


TOKENIZER_PROMPTS = [
    "a house in the fire", "A House In The Fire", "HOUSE", "aerial view of a flooded village",
    "drone photo of burning houses at night.", "houses, roofs; bridges: rivers!", "Is the barn red? Yes.",
    "12 houses", "3.5 m high", "in 2019 and 1998", "at 6:30 pm", "100%", "#7",
    "two  spaces", "many     spaces   here", "  leading spaces", "trailing spaces   ", "\ttab\tand\nnewline",
    "café in the fire", "日本の家", "a house 🔥 on fire", "é", "naïve résumé", "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ",
    "", " ", "a", "the the the the", "unbelievable xylophone quartz jukebox", "hyphen-ated words",
    "don't stop", "\"quoted\" text", "(parentheses) [brackets]", "snake_case and a/b/c",
    "x+y=z & a@b", "...", "!!!", "ﬁre (ligature)", "Ⅻ roman numeral",
    "a large old wooden house stands near the river after the storm, and the small red barn is surrounded "
    "by water while a drone photo of the flooded village shows 12 damaged roofs in 2019",
]


def tokenizer_cases(tok, sp):
    cases = []
    stats = {"equal": 0, "differ": []}
    for text in TOKENIZER_PROMPTS:
        ids = tok(text, padding="max_length", max_length=T5_MAX_LENGTH, truncation=True, add_special_tokens=True,
                  return_length=False, return_overflowing_tokens=False).input_ids
        raw = sp.encode(text)
        expect = (raw[:T5_MAX_LENGTH - 1] + [1] + [0] * T5_MAX_LENGTH)[:T5_MAX_LENGTH]
        cases.append({"text": text, "ids": ids, "pieces_ids": raw, "pieces": sp.encode(text, out_type=str),
                      "equals_pieces_plus_eos_pad": ids == expect})
        if ids == expect:
            stats["equal"] += 1
        else:
            stats["differ"].append({"text": text, "ids": ids, "expected_from_pieces": expect})
    return cases, stats


# ---------------------------------------------------------------------------------------------------------

def main():
    os.makedirs(PARITY, exist_ok=True)
    clip_tok_dir = os.path.join(ROOT, "tiny-sd", "tokenizer")
    if not os.path.exists(os.path.join(clip_tok_dir, "vocab.json")):
        raise SystemExit("run tests/reference/make_tiny_tokenizer.py first (tests/fixtures/tiny-sd/tokenizer)")
    for d in (FLUX, SCHNELL, T5_RELU):
        shutil.rmtree(d, ignore_errors=True)
    g = torch.Generator().manual_seed(4321)

    # --- tokenizers ---
    with tempfile.TemporaryDirectory() as tmp:
        spiece = train_spiece(tmp)
        tokenizer_2 = T5Tokenizer.from_pretrained(tmp, extra_ids=0, model_max_length=512)
        sp_bytes = open(spiece, "rb").read()
    tokenizer = CLIPTokenizer.from_pretrained(clip_tok_dir)
    vocab_2 = len(tokenizer_2)

    # --- models ---
    transformer = randomize(FluxTransformer2DModel(**transformer_config(True)), 11).eval()
    schnell = randomize(FluxTransformer2DModel(**transformer_config(False)), 12).eval()
    vae = randomize(AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(16, 32), layers_per_block=1,
        latent_channels=16, norm_num_groups=8, sample_size=32, scaling_factor=0.3611, shift_factor=0.1159,
        use_quant_conv=False, use_post_quant_conv=False), 13).eval()
    # keep decoded images inside [-1, 1] mostly: scale the decoder's last conv so that a latent at the scale
    # the pipeline feeds it (randn / scaling_factor + shift_factor) decodes to an output std of ~0.4
    probe = torch.randn(1, 16, 16, 16, generator=torch.Generator().manual_seed(0)) / 0.3611 + 0.1159
    probe = vae.decode(probe).sample
    k = 0.4 / float(probe.std())
    vae.decoder.conv_out.weight.mul_(k)
    vae.decoder.conv_out.bias.mul_(k)
    text_config = CLIPTextConfig(
        vocab_size=1000, hidden_size=32, intermediate_size=37, num_hidden_layers=3, num_attention_heads=4,
        max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=32,
        bos_token_id=998, eos_token_id=999, pad_token_id=999)
    text_encoder = randomize(CLIPTextModel(text_config), 14).eval()
    text_encoder_2 = randomize(T5EncoderModel(t5_config(vocab_2, "gated-gelu")), 15).eval()
    t5_relu = randomize(T5EncoderModel(t5_config(vocab_2, "relu")), 16).eval()
    scheduler = FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER)

    pipe = FluxPipeline(scheduler=scheduler, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                        text_encoder_2=text_encoder_2, tokenizer_2=tokenizer_2, transformer=transformer)
    pipe.save_pretrained(FLUX, safe_serialization=True)
    # tokenizer/ is a plain copy of tiny-sd's (vocab.json + merges.txt; save_pretrained would write tokenizer.json)
    shutil.rmtree(os.path.join(FLUX, "tokenizer"))
    shutil.copytree(clip_tok_dir, os.path.join(FLUX, "tokenizer"))
    # transformers 5 saves tokenizer.json + tokenizer_config.json only; the C++ side reads spiece.model
    tok2_dir = os.path.join(FLUX, "tokenizer_2")
    with open(os.path.join(tok2_dir, "spiece.model"), "wb") as f:
        f.write(sp_bytes)
    schnell.save_pretrained(os.path.join(SCHNELL, "transformer"), safe_serialization=True)
    t5_relu.save_pretrained(T5_RELU, safe_serialization=True)

    # reload everything the way users do; the rest of the script uses the loaded pipeline
    pipe = FluxPipeline.from_pretrained(FLUX)
    pipe.set_progress_bar_config(disable=True)
    assert pipe.vae_scale_factor == 2
    sp = spm.SentencePieceProcessor(model_file=os.path.join(tok2_dir, "spiece.model"))
    assert sp.get_piece_size() == vocab_2 == len(pipe.tokenizer_2), (sp.get_piece_size(), vocab_2)
    assert (sp.pad_id(), sp.eos_id(), sp.unk_id(), sp.bos_id()) == (0, 1, 2, -1)

    # --- transformer parity (4x4 packed grid = 16 tokens) ---
    hidden = torch.randn(2, 16, 64, generator=g)
    context = torch.randn(2, 7, 32, generator=g)
    pooled = torch.randn(2, 32, generator=g)
    timestep = torch.tensor([0.3, 0.85])
    guidance = torch.tensor([3.5, 1.0])
    img_ids = FluxPipeline._prepare_latent_image_ids(1, 4, 4, "cpu", torch.float32)
    txt_ids = torch.zeros(7, 3)
    tr = pipe.transformer
    cos, sin = tr.pos_embed(torch.cat([txt_ids, img_ids], dim=0))
    out = tr(hidden_states=hidden, encoder_hidden_states=context, pooled_projections=pooled, timestep=timestep,
             guidance=guidance, img_ids=img_ids, txt_ids=txt_ids, return_dict=False)[0]
    schnell = FluxTransformer2DModel.from_pretrained(os.path.join(SCHNELL, "transformer")).eval()
    out_schnell = schnell(hidden_states=hidden, encoder_hidden_states=context, pooled_projections=pooled,
                          timestep=timestep, guidance=None, img_ids=img_ids, txt_ids=txt_ids, return_dict=False)[0]
    save_file({"hidden_states": hidden, "encoder_hidden_states": context, "pooled_projections": pooled,
               "timestep": timestep, "guidance": guidance, "img_ids": img_ids, "txt_ids": txt_ids,
               "rope_cos": cos.float().contiguous(), "rope_sin": sin.float().contiguous(),
               "out": out, "out_schnell": out_schnell}, os.path.join(PARITY, "flux_transformer.safetensors"))

    # --- VAE parity ---
    v = pipe.vae
    smooth = torch.nn.functional.interpolate(torch.randn(1, 3, 5, 5, generator=g), size=(32, 32), mode="bicubic",
                                             align_corners=False)
    image = (smooth / smooth.abs().max()).clamp(-1, 1).contiguous()
    dist = v.encode(image).latent_dist
    mean, logvar = dist.mean, dist.logvar
    sf, sh = v.config.scaling_factor, v.config.shift_factor
    pipeline_latents = (mean - sh) * sf
    save_file({"image": image, "mean": mean, "logvar": logvar, "decoded": v.decode(mean).sample,
               "pipeline_latents": pipeline_latents,
               "pipeline_decoded": v.decode(pipeline_latents / sf + sh).sample},
              os.path.join(PARITY, "flux_vae.safetensors"))

    # --- T5 ---
    ids = torch.randint(3, vocab_2, (2, 64), generator=g)
    ids[0, 63] = 1
    ids[1, 40] = 1
    ids[1, 41:] = 0
    relu = T5EncoderModel.from_pretrained(T5_RELU).eval()
    save_file({"input_ids": ids,
               "gated_gelu": pipe.text_encoder_2(ids, output_hidden_states=False)[0],
               "relu": relu(ids, output_hidden_states=False)[0]}, os.path.join(PARITY, "t5.safetensors"))
    cases, stats = tokenizer_cases(pipe.tokenizer_2, sp)
    with open(os.path.join(PARITY, "t5_tokenizer_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"max_length": T5_MAX_LENGTH, "vocab_size": vocab_2, "pad_id": 0, "eos_id": 1, "unk_id": 2,
                   "extra_ids": 0, "tokenizer_class": type(pipe.tokenizer_2).__name__,
                   "call": "tokenizer_2(text, padding='max_length', max_length=24, truncation=True, "
                           "add_special_tokens=True)",
                   "cases": cases}, f, ensure_ascii=False, indent=1)

    # --- flow-match scheduler ---
    flow = {"config_keys": sorted(k for k in FlowMatchEulerDiscreteScheduler().config.keys() if not k.startswith("_")),
            "flux_config": dict(pipe.scheduler.config), "calculate_shift": [], "flux": [], "other": []}
    flow["flux_config"] = {k: v_ for k, v_ in flow["flux_config"].items() if not k.startswith("_")}
    for n in (16, 64, 256, 1024, 4096):
        flow["calculate_shift"].append({"image_seq_len": n, "mu": calculate_shift(n, 256, 4096, 0.5, 1.15)})
    mu16 = calculate_shift(16, 256, 4096, 0.5, 1.15)
    for n in (16, 64, 1024, 4096):
        mu = calculate_shift(n, 256, 4096, 0.5, 1.15)
        for steps in (4, 28):
            s = FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER)
            sig = np.linspace(1.0, 1 / steps, steps)
            s.set_timesteps(sigmas=sig, mu=mu)
            s2 = FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER)
            s2.set_timesteps(num_inference_steps=steps, mu=mu)  # without the pipeline's explicit sigmas
            flow["flux"].append({"image_seq_len": n, "mu": mu, "num_inference_steps": steps,
                                 "input_sigmas": floats(sig), "timesteps": floats(s.timesteps),
                                 "sigmas": floats(s.sigmas), "default_timesteps": floats(s2.timesteps),
                                 "default_sigmas": floats(s2.sigmas)})
    mu1024 = calculate_shift(1024, 256, 4096, 0.5, 1.15)
    others = [
        ("static_shift3", dict(num_train_timesteps=1000, shift=3.0, use_dynamic_shifting=False),
         dict(num_inference_steps=10)),
        ("static_shift3_sigmas", dict(num_train_timesteps=1000, shift=3.0, use_dynamic_shifting=False),
         dict(sigmas=np.linspace(1.0, 1 / 10, 10))),
        ("linear_dynamic", dict(FLUX_SCHEDULER, time_shift_type="linear"),
         dict(sigmas=np.linspace(1.0, 1 / 10, 10), mu=mu1024)),
        ("shift_terminal_0.02", dict(FLUX_SCHEDULER, shift_terminal=0.02),
         dict(sigmas=np.linspace(1.0, 1 / 10, 10), mu=mu1024)),
    ]
    for name, cfg, kw in others:
        s = FlowMatchEulerDiscreteScheduler(**cfg)
        s.set_timesteps(**kw)
        flow["other"].append({"name": name, "config": {k: v_ for k, v_ in s.config.items() if not k.startswith("_")},
                              "set_timesteps": {k: (floats(v_) if isinstance(v_, np.ndarray) else v_)
                                                for k, v_ in kw.items()},
                              "timesteps": floats(s.timesteps), "sigmas": floats(s.sigmas)})
    # trajectory: FLUX config, mu for image_seq_len 16, 4 steps, fake velocity v(x, t) = 0.1*x + 0.01*t/1000
    s = FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER)
    s.set_timesteps(sigmas=np.linspace(1.0, 0.25, 4), mu=mu16)
    s.set_begin_index(0)
    x = torch.randn(1, 16, 64, generator=g)
    traj = {"mu": mu16, "num_inference_steps": 4, "start": nested(x), "timesteps": floats(s.timesteps),
            "sigmas": floats(s.sigmas), "prev_samples": []}
    for t in s.timesteps:
        x = s.step(0.1 * x + 0.01 * float(t) / 1000, t, x).prev_sample
        traj["prev_samples"].append(nested(x))
    flow["trajectory"] = traj
    # scale_noise at sigma index 2 of the 28-step FLUX schedule (mu for image_seq_len 16)
    s = FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER)
    s.set_timesteps(sigmas=np.linspace(1.0, 1 / 28, 28), mu=mu16)
    sample = torch.randn(1, 16, 64, generator=g)
    noise = torch.randn(1, 16, 64, generator=g)
    ts = s.timesteps[2:3]
    flow["scale_noise"] = {"mu": mu16, "num_inference_steps": 28, "index": 2, "timestep": floats(ts)[0],
                           "sigma": floats(s.sigmas[2:3])[0], "sample": nested(sample), "noise": nested(noise),
                           "out": nested(s.scale_noise(sample, ts, noise))}
    with open(os.path.join(PARITY, "flow_match.json"), "w") as f:
        json.dump(flow, f)

    # --- the whole FluxPipeline ---
    prompt = "a house in the fire"
    latents = torch.randn(1, 64, 64, generator=g)  # 32x32 image -> 16x16 latent -> 8x8 packed grid
    prompt_embeds, pooled_embeds, _ = pipe.encode_prompt(prompt=prompt, prompt_2=None, max_sequence_length=24)
    neg_embeds, neg_pooled, _ = pipe.encode_prompt(prompt="blurry", prompt_2=None, max_sequence_length=24)
    seen_mu = {}
    orig_set = pipe.scheduler.set_timesteps

    @functools.wraps(orig_set)  # keeps the signature: retrieve_timesteps inspects it for "sigmas"
    def spy(*a, **kw):
        seen_mu["mu"] = kw.get("mu")
        return orig_set(*a, **kw)

    pipe.scheduler.set_timesteps = spy
    common = dict(prompt=prompt, height=32, width=32, num_inference_steps=4, guidance_scale=3.5,
                  max_sequence_length=24)
    img = pipe(**common, latents=latents.clone(), output_type="pt").images
    latent_out = pipe(**common, latents=latents.clone(), output_type="latent").images
    img_cfg = pipe(**common, latents=latents.clone(), negative_prompt="blurry", true_cfg_scale=2.0,
                   output_type="pt").images
    pipe.scheduler.set_timesteps = orig_set
    assert abs(seen_mu["mu"] - calculate_shift(64, 256, 4096, 0.5, 1.15)) < 1e-12
    t5_ids = pipe.tokenizer_2(prompt, padding="max_length", max_length=24, truncation=True,
                              return_tensors="pt").input_ids
    clip_ids = pipe.tokenizer(prompt, padding="max_length", max_length=77, truncation=True,
                              return_tensors="pt").input_ids
    frac_clamped = float(((img <= 0) | (img >= 1)).float().mean())
    save_file({"latents": latents, "image": img.contiguous(), "image_latent": latent_out.contiguous(),
               "image_true_cfg": img_cfg.contiguous(), "prompt_embeds": prompt_embeds,
               "pooled_prompt_embeds": pooled_embeds, "negative_prompt_embeds": neg_embeds,
               "negative_pooled_prompt_embeds": neg_pooled, "t5_input_ids": t5_ids, "clip_input_ids": clip_ids,
               "mu": torch.tensor([seen_mu["mu"]], dtype=torch.float64)},
              os.path.join(PARITY, "flux_pipeline.safetensors"))

    # --- report ---
    print(f"tokenizer_2: {type(pipe.tokenizer_2).__name__}, vocab {vocab_2}; HF ids == spm ids + </s> + pad "
          f"for {stats['equal']}/{len(cases)} prompts")
    for d in stats["differ"]:
        print("  differs:", json.dumps(d, ensure_ascii=False))
    print(f"pipeline image range [{float(img.min()):.3f}, {float(img.max()):.3f}], clamped {frac_clamped:.1%}; "
          f"mu {seen_mu['mu']}")
    total = 0
    for base in (FLUX, SCHNELL, T5_RELU):
        for d, _, fs in sorted(os.walk(base)):
            for f in sorted(fs):
                p = os.path.join(d, f)
                total += os.path.getsize(p)
                print(f"{os.path.getsize(p):>9}  {os.path.relpath(p, os.path.join(ROOT, '..', '..'))}")
    for f in ("flux_transformer.safetensors", "flux_vae.safetensors", "t5.safetensors", "t5_tokenizer_cases.json",
              "flow_match.json", "flux_pipeline.safetensors"):
        p = os.path.join(PARITY, f)
        total += os.path.getsize(p)
        print(f"{os.path.getsize(p):>9}  tests/fixtures/parity/{f}")
    print(f"total: {total} bytes ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
