"""Local search (NASLib's LS): best improvement over all neighbours, restart at an optimum."""

import numpy as np

from nasbench_eval.methods.local_search import LocalSearch
from nasbench_eval.spaces import get_space
from nasbench_eval.spaces.costs import costs

TSS = get_space("nats-tss")
FLOPS = costs(TSS, "cifar10", "flops")


def _step(ls, value=lambda a: float(FLOPS[TSS.code(a)])):
    q = ls.ask()
    ls.tell(q, value(q.arch))
    return q.arch


def test_descends_over_all_neighbours_then_moves_to_the_best():
    ls = LocalSearch(TSS, np.random.default_rng(0), num_init=5)
    init = [_step(ls) for _ in range(5)]
    start = max(init, key=lambda a: FLOPS[TSS.code(a)])
    assert ls.current[1] == start
    hood = [_step(ls) for _ in range(24)]
    assert sorted(hood) == sorted(TSS.neighbours(start))  # every neighbour, once
    best = max(hood, key=lambda a: FLOPS[TSS.code(a)])
    assert ls.current[1] == best and FLOPS[TSS.code(best)] > FLOPS[TSS.code(start)]


def test_restarts_at_a_local_optimum():
    ls = LocalSearch(TSS, np.random.default_rng(1), num_init=3)
    top = (3,) * 6  # all 3x3 convs: the most FLOPs, a global optimum
    for _ in range(3 + 24 * 10):
        _step(ls)
        if ls.restarts:
            break
    assert ls.restarts == 1 and ls.current is None
    assert ls.result() == top  # the optimum was reached before the restart


def test_an_arch_without_neighbours_in_a_sparse_sub_space_restarts(tmp_path):
    far = [
        TSS.format((0,) * 6),
        TSS.format((3,) * 6),
        TSS.format((1, 2, 3, 4, 0, 1)),
    ]  # no two are neighbours
    (tmp_path / "archs.txt").write_text("\n".join(far))
    sub = TSS.subspace(str(tmp_path / "archs.txt"))
    ls = LocalSearch(sub, np.random.default_rng(0), num_init=2)
    seen = [_step(ls) for _ in range(12)]
    assert all(sub.contains(a) for a in seen) and ls.restarts >= 2
