"""Plugin state and logic without Qt widgets or Krita objects (testable outside Krita)."""
