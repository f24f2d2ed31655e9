"""Training: config, losses, the trainer loop (single process or DDP under ``torchrun``)."""
