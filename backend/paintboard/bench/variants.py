"""The generator variants the benchmark can measure (see ``paintboard.bench``)."""

from __future__ import annotations

VARIANTS = ("engine", "channels_last", "inference_mode", "no_grad", "bf16", "compile", "fp16")
# Variants built on channels_last, which inference.Engine uses: channels_last (fp32) is the
# reference, bf16 and compile are then measured as "what they add to it".  `engine` is
# channels_last plus the Engine's own precision choice (see _Runner.autocast).
CHANNELS_LAST = ("engine", "channels_last", "bf16", "compile", "fp16")
