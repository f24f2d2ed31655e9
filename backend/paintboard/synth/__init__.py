"""Procedural landscapes with exact label maps: the training data Paintboard cannot download.

``generate_scene(seed, height, width)`` returns ``(rgb, labels)``; ``iter_scenes`` streams them
for the trainer and ``write_dataset`` writes the folder format of ``docs/architecture.md``.
"""

from __future__ import annotations

from paintboard.synth.scene import GENERATOR_VERSION, generate_scene

__all__ = ["GENERATOR_VERSION", "generate_scene", "iter_scenes", "write_dataset"]


def __getattr__(name: str):  # lazy: dataset pulls in tqdm/multiprocessing only when used
    if name in ("iter_scenes", "write_dataset"):
        from paintboard.synth import dataset

        return getattr(dataset, name)
    raise AttributeError(name)
