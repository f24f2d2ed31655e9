"""Datasets for training: a folder of image/label pairs (synthetic or real) + a class mapping."""

from .folder import FolderDataset, load_class_mapping, make_sample

__all__ = ["FolderDataset", "load_class_mapping", "make_sample"]
