#!/usr/bin/env python3
"""make_safetensors_fixtures.py — writes tests/fixtures/safetensors/*.safetensors with the
real Python `safetensors` package (the reference implementation), for tests/core/test_safetensors.cpp.

Run from anywhere, with a Python that has `safetensors` and `numpy` (e.g. /work/refvenv):

    /work/refvenv/bin/python tests/reference/make_safetensors_fixtures.py

It writes:
  golden.safetensors  one tensor of every dtype tunegrid knows, plus a zero-size and a 0-d
                      tensor, with known values and two metadata entries. The reference lays
                      the data out by descending dtype, not by name, which the reader must follow.
  layout.safetensors  the bytes the reference writes for three tiny tensors whose name order
                      equals its dtype order, and one metadata entry (hash order does not matter
                      with one key); tunegrid's writer must produce exactly these bytes.
Rerunning rewrites layout.safetensors byte for byte; golden.safetensors keeps its contents but
its two metadata entries may swap places (the reference writes them in hash order). The script
checks what it wrote by reading it back with the reference reader.
"""
import json
import pathlib
import struct

import numpy as np
import safetensors

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "safetensors"

# numpy dtype name the binding understands, per safetensors dtype
NAMES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16", "I64": "int64",
         "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}


def serialize(tensors, metadata):
    """tensors: {name: (safetensors dtype, shape, raw little-endian bytes)} -> file bytes."""
    keep = []  # buffers must outlive serialize()
    if hasattr(safetensors, "TensorSpec"):  # safetensors >= 0.7
        specs = {}
        for name, (dtype, shape, raw) in tensors.items():
            buffer = np.frombuffer(raw, dtype=np.uint8).copy() if raw else np.zeros(1, np.uint8)
            keep.append(buffer)
            specs[name] = safetensors.TensorSpec(dtype=NAMES[dtype], shape=list(shape),
                                                 data_ptr=buffer.ctypes.data, data_len=len(raw))
        return bytes(safetensors.serialize(specs, metadata=metadata))
    specs = {name: {"dtype": NAMES[dtype], "shape": list(shape), "data": raw}
             for name, (dtype, shape, raw) in tensors.items()}
    return bytes(safetensors.serialize(specs, metadata=metadata))


def golden():
    u16 = lambda *values: np.array(values, dtype="<u2").tobytes()
    tensors = {
        "f64": ("F64", [1], np.array([0.1], "<f8").tobytes()),
        "f32": ("F32", [2, 3], np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5], "<f4").tobytes()),
        "f16": ("F16", [3], np.array([1.0, -2.0, 0.5], "<f2").tobytes()),
        "bf16": ("BF16", [2], u16(0x3F80, 0xC040)),  # 1.0, -3.0
        "i64": ("I64", [2], np.array([-1, 1 << 40], "<i8").tobytes()),
        "i32": ("I32", [2], np.array([-7, 2**31 - 1], "<i4").tobytes()),
        "i16": ("I16", [2], np.array([-300, 300], "<i2").tobytes()),
        "i8": ("I8", [2], np.array([-128, 127], "i1").tobytes()),
        "u8": ("U8", [3], bytes([0, 128, 255])),
        "bool": ("BOOL", [3], bytes([1, 0, 1])),
        "empty": ("F32", [0, 4], b""),
        "scalar": ("F32", [], np.array([3.25], "<f4").tobytes()),
    }
    data = serialize(tensors, {"format": "pt", "note": "golden"})
    (OUT / "golden.safetensors").write_bytes(data)
    # numpy has no bfloat16, so check the raw views the reference reader returns
    loaded = {name: view for name, view in safetensors.deserialize(data)}
    assert sorted(loaded) == sorted(tensors)
    for name, (dtype, shape, raw) in tensors.items():
        view = loaded[name]
        assert (view["dtype"], list(view["shape"]), bytes(view["data"])) == (dtype, shape, raw), (name, view)
    with safetensors.safe_open(OUT / "golden.safetensors", framework="np") as f:
        assert f.metadata() == {"format": "pt", "note": "golden"}


def layout():
    tensors = {
        "a": ("F32", [2], np.array([1.5, -2.0], "<f4").tobytes()),
        "b": ("I16", [3], np.array([1, -2, 3], "<i2").tobytes()),
        "c": ("U8", [1], bytes([7])),
    }
    data = serialize(tensors, {"format": "pt"})
    (OUT / "layout.safetensors").write_bytes(data)
    (n,) = struct.unpack("<Q", data[:8])
    header = data[8:8 + n]
    assert n % 8 == 0 and header.endswith(b" "), "the fixture must exercise the space padding"
    assert list(json.loads(header)) == ["__metadata__", "a", "b", "c"], header
    assert data[8 + n:] == b"".join(raw for _, _, raw in tensors.values()), "data must be in name order"


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    golden()
    layout()
    for path in sorted(OUT.glob("*.safetensors")):
        print(f"{path.name}: {path.stat().st_size} bytes")
