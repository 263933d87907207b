"""Contract of every registered search space (and a sub-space of it): strings, codes,
neighbours, mutation, and a cost model that matches the networks built from it."""

import numpy as np
import pytest

from nasbench_eval.errors import ArchError
from nasbench_eval.spaces import SPACES, get_space

SPACE_NAMES = SPACES.names()


def _subspace(space):
    key = next(iter(space.position_groups))  # the group covering every position
    return space.subspace(f"{key}={','.join(space.choice_names[1:3])}")


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_round_trips(name):
    space = get_space(name)
    rng = np.random.default_rng(0)
    for arch in space.sample(rng, 50):
        assert space.parse(space.format(arch)) == arch
        assert space.from_code(space.code(arch)) == arch
    assert len(space.all_choices()) == space.size == space.num_choices**space.num_positions
    assert space.check(space.parse(space.example))  # the example parses


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_neighbours_and_mutation(name):
    space = get_space(name)
    rng = np.random.default_rng(1)
    arch = space.sample(rng)
    assert len(space.neighbours(arch)) == space.num_positions * (space.num_choices - 1)
    for _ in range(50):
        child = space.mutate(arch, rng)
        assert sum(a != b for a, b in zip(arch, child, strict=True)) == 1


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_knowledge_is_declared(name):
    space = get_space(name)
    assert space.official_archive and space.search_epochs > 0 and space.final_epochs > space.search_epochs
    assert len(space.choice_names) == space.num_choices
    assert space.choice_mask().all() and space.base is space


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_cost_model_matches_the_networks(name):
    torch = pytest.importorskip("torch")
    from nasbench_eval.nets import build_network
    from nasbench_eval.nets.counting import count

    torch.manual_seed(0)
    space = get_space(name)
    for arch in space.sample(np.random.default_rng(2), 2):
        flops, params = count(build_network(space, arch, "cifar10"), 32)
        assert space.cost_model("cifar10", "flops").evaluate(np.array([arch]))[0] == pytest.approx(
            flops, rel=1e-6
        )
        assert space.cost_model("cifar10", "params").evaluate(np.array([arch]))[0] == pytest.approx(
            params, rel=1e-6
        )


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_sub_space_keeps_every_operation_inside(name):
    sub = _subspace(get_space(name))
    rng = np.random.default_rng(3)
    assert sub.size == 2**sub.num_positions and sub.is_product
    mask = sub.choice_mask()
    assert mask.sum() == 2 * sub.num_positions
    for arch in sub.sample(rng, 20):
        assert sub.contains(arch) and all(mask[p, c] for p, c in enumerate(arch))
        assert all(sub.contains(a) for a in sub.neighbours(arch))
        assert sub.contains(sub.mutate(arch, rng))
    outside = tuple([0] * sub.num_positions)
    assert not sub.contains(outside)
    with pytest.raises(ArchError, match="not in the sub-space"):
        sub.check(outside)
    # archs keep the base space's codes and costs
    arch = sub.sample(rng)
    assert sub.code(arch) == sub.base.code(arch)
    assert sub.cost_model("cifar10", "flops") is sub.base.cost_model("cifar10", "flops")
