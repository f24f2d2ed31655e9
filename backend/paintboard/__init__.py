"""Paintboard backend: label map + colour dabs in, landscape out."""

import os

# OpenMP's default wait policy makes idle worker threads spin at every barrier.  Paintboard runs
# beside Krita on the artist's machine, so its threads share cores with a busy process; measured
# on 2 cores with one other busy process, 2 torch threads were 3.5-8.9x *slower* than 1 thread
# with spinning, and about as fast as 1 thread with PASSIVE (docs/performance.md).  OpenMP reads
# the variable once, when torch's runtime starts, so it must be set before anything imports
# torch: every backend module is imported through this package, hence here.  A value the user
# already set (e.g. ACTIVE on a dedicated server) wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
