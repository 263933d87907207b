"""Reports built from run records: NB201-style tables and accuracy plots."""
