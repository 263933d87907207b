"""Image datasets in their official file formats, the NB201 splits, and fast batching."""
