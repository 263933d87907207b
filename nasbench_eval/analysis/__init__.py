"""Analysis of results: rank correlation, NB201-style tables, plots and sweep metrics.

Reads typed run records (``nasbench_eval.records``) and the benchmark; never runs a search.
(The top-level ``reports/`` folder holds the generated reports themselves.)
"""
