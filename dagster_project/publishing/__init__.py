"""Publishing: the atomic swap of the served warehouse, and the headline metrics read from it."""
