"""check_clip_lora_in_peft.py — proves that the CLIP-LoRA classifier folder tunegrid writes
(CLIPLoRAClassifier::save, workers/eval/clip_lora_classifier.h) opens in peft with the same
meaning: build/test_torch's clip_lora/saved_folder_reloads_and_bad_factors_are_named keeps the
folder it saves (the fixture's adapters on tests/fixtures/tiny-clip), PeftModel.from_pretrained
loads it onto transformers' CLIPModel, and its logits_per_image on the fixture's inputs are
compared with the golden logits of tests/fixtures/parity/clip_lora.safetensors (made by
make_clip_lora_fixtures.py from peft's own adapters). Needs a built test_torch and a Python with
torch, transformers, peft and safetensors. Run from the repository root:
  /tmp/refvenv/bin/python tests/reference/check_clip_lora_in_peft.py [build/test_torch]
Prints the max abs difference and the keys peft loaded; exits 1 above 1e-5 or when peft leaves
an adapter weight at its initialisation."""
import os
import subprocess
import sys
import tempfile

import peft
import torch
from peft import PeftModel
from peft.utils import get_peft_model_state_dict
from safetensors.torch import load_file
from transformers import CLIPModel

binary = sys.argv[1] if len(sys.argv) > 1 else "build/test_torch"
with tempfile.TemporaryDirectory() as folder:
    saved = os.path.join(folder, "clip-lora")
    subprocess.run([binary, "--run_test=clip_lora/saved_folder_reloads_and_bad_factors_are_named"], check=True,
                   env={**os.environ, "TUNEGRID_KEEP_SAVED_CLIP_LORA": saved})
    written = load_file(os.path.join(saved, "adapter_model.safetensors"))
    model = PeftModel.from_pretrained(CLIPModel.from_pretrained("tests/fixtures/tiny-clip"), saved).eval()
    loaded = get_peft_model_state_dict(model)
    missing = sorted(set(written) ^ set(loaded))
    unequal = [k for k in written if k in loaded and not torch.equal(written[k], loaded[k])]
    golden = load_file("tests/fixtures/parity/clip_lora.safetensors")
    with torch.no_grad():
        logits = model(input_ids=golden["input_ids"], pixel_values=golden["pixel_values"]).logits_per_image
    error = (logits - golden["logits"]).abs().max().item()
print(f"peft {peft.__version__}: {len(loaded)} adapter tensors loaded; keys not in both: {missing}; unequal: {unequal}")
print(f"logits_per_image against the golden logits: max abs error {error:.3g}")
ok = error <= 1e-5 and not missing and not unequal
print("ok" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
