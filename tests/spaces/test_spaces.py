import bz2
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_data import SSS_SAMPLE, TSS_SAMPLE, needs_shared

from nasbench_eval.errors import ArchError, UnknownNameError
from nasbench_eval.spaces import get_space
from nasbench_eval.spaces.size import CHANNELS
from nasbench_eval.spaces.topology import OPS

TSS, SSS = get_space("nats-tss"), get_space("nats-sss")
RESNET = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


def _meta(sample):
    with bz2.open(sample / "meta.pickle.pbz2") as f:
        return pickle.load(f)["meta_archs"]  # trusted official sample


def test_factory_and_aliases():
    assert get_space("nb201") is TSS and get_space("tss") is TSS and get_space("sss") is SSS
    assert (TSS.size, SSS.size) == (15625, 32768)
    with pytest.raises(UnknownNameError, match="unknown search space 'foo'"):
        get_space("foo")


@needs_shared
def test_official_order_is_not_lexicographic_but_sss_is_code_order():
    tss_meta = _meta(TSS_SAMPLE)
    assert tss_meta[0] == (
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
    )
    assert [TSS.code(TSS.parse(a)) for a in tss_meta[:3]] != [0, 1, 2]
    assert sorted(TSS.code(TSS.parse(a)) for a in tss_meta) == list(range(15625))
    assert [SSS.code(SSS.parse(a)) for a in _meta(SSS_SAMPLE)] == list(range(32768))


@given(st.tuples(*[st.integers(0, 4)] * 6))
def test_tss_format_parse_roundtrip(arch):
    s = TSS.format(arch)
    assert TSS.parse(s) == arch and TSS.format(TSS.parse(s)) == s


@given(st.tuples(*[st.integers(0, 7)] * 5))
def test_sss_format_parse_roundtrip(arch):
    s = SSS.format(arch)
    assert SSS.parse(s) == arch and SSS.format(SSS.parse(s)) == s
    assert s.count(":") == 4 and all(int(c) in CHANNELS for c in s.split(":"))


_ALPHABET = "|+~:0123456789_abcdeghiklnnoprstvxz 3x"


@settings(max_examples=400)
@given(
    st.one_of(
        st.text(alphabet=_ALPHABET, max_size=120),
        st.text(max_size=40),
        st.builds(
            lambda a, i, j: a[:i] + a[j:], st.just(TSS.example), st.integers(0, 90), st.integers(0, 90)
        ),
    )
)
def test_junk_only_raises_arch_error(text):
    for space in (TSS, SSS):
        try:
            arch = space.parse(text)
        except ArchError as exc:
            assert "example:" in str(exc)
        else:
            assert space.format(arch) == text


@pytest.mark.parametrize(
    "text, problem",
    [
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|", "expected 3 nodes"),
        (
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
            "node 2 needs 2 incoming edge",
        ),
        (
            "|conv_5x5~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
            "unknown op 'conv_5x5'",
        ),
        (
            "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~7|",
            "node index 7 out of range",
        ),
        (
            "|nor_conv_3x3~0|+|nor_conv_3x3~1|avg_pool_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
            "in order",
        ),
        (
            " |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",  # noqa: E501
            "stray characters",
        ),
    ],
)
def test_tss_errors_name_the_problem(text, problem):
    with pytest.raises(ArchError, match=problem) as info:
        TSS.parse(text)
    assert TSS.example in str(info.value)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("8:8:8:8", "expected 5 channel counts"),
        ("8:8:8:8:12", "channel '12' of layer 4 is not in the choice set"),
        ("8:8:8:8:72", "not in the choice set"),
        ("8:8:8:8:8 ", "not in the choice set"),
    ],
)
def test_sss_errors_name_the_problem(text, problem):
    with pytest.raises(ArchError, match=problem):
        SSS.parse(text)


def test_non_strings_and_bad_tuples_raise_arch_error():
    for bad in (None, 5, b"|x|"):
        with pytest.raises(ArchError):
            TSS.parse(bad)
    with pytest.raises(ArchError, match="expected 6 choices"):
        TSS.check((0, 1))
    with pytest.raises(ArchError, match="0..4"):
        TSS.check((0, 1, 2, 3, 4, 5))


@pytest.mark.parametrize("space", [TSS, SSS])
def test_enumeration_codes_and_one_hot(space):
    allc = space.all_choices()
    assert allc.shape == (space.size, space.num_positions)
    assert np.array_equal(space.codes_of(allc), np.arange(space.size))
    for code in (0, 1, space.size // 3, space.size - 1):
        arch = space.from_code(code)
        assert space.code(arch) == code and tuple(allc[code]) == arch
        oh = space.one_hot(arch)
        assert oh.sum() == space.num_positions and tuple(oh.argmax(1)) == arch
    assert len(set(space.enumerate())) == space.size


@pytest.mark.parametrize("space, count", [(TSS, 24), (SSS, 35)])
def test_neighbours_differ_in_exactly_one_position(space, count):
    arch = space.sample(np.random.default_rng(3))
    nbrs = space.neighbours(arch)
    assert len(nbrs) == len(set(nbrs)) == count
    assert all(sum(a != b for a, b in zip(arch, n, strict=True)) == 1 for n in nbrs)


def test_sampling_is_seeded():
    a = TSS.sample(np.random.default_rng(7), 50)
    b = TSS.sample(np.random.default_rng(7), 50)
    assert a == b and len(set(a)) > 40


def test_canonical_form_matches_official_isomorphism_count():
    ids = TSS.canonical_ids()
    assert ids.max() + 1 == 6466  # notebook issue-12 of the official NATS-Bench repo
    # unreachable ops do not matter: node 2 is never used when its out-edges are 'none'
    a = TSS.parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|")
    b = TSS.parse("|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|")
    assert TSS.canonical(a) == TSS.canonical(b)
    # isomorphic: node 1 is a copy of node 0, so their out-edges are interchangeable
    c = TSS.parse("|skip_connect~0|+|none~0|none~1|+|nor_conv_3x3~0|skip_connect~1|none~2|")
    d = TSS.parse("|skip_connect~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|none~2|")
    assert c != d and TSS.canonical(c) == TSS.canonical(d)
    assert TSS.canonical(TSS.parse(RESNET)) != TSS.canonical(a)
    assert OPS[0] == "none"
