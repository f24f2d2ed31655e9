"""Serving: the backend's edge, where the wire format meets the model.

``server`` (sockets, dispatch, ``info``), ``scheduler`` (per-client jobs: supersede, cancel,
round-robin), ``worker`` (runs a job: frames → arrays → engine → frames, errors → protocol codes),
``frames`` (raw pixel buffers ↔ RGBA arrays), ``client`` (Lazy-Pirate client), ``curve`` (CURVE
key files) and ``requestlog`` (one log line per request, from either thread).  Only this package
maps model errors to protocol codes; the model layer (``images``, ``inference``, ``weights``)
never imports :mod:`paintboard.protocol`.
"""
