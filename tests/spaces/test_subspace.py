"""Sub-space specs and files: what they select and the one-line errors for bad ones."""

import pytest

from nasbench_eval.errors import ArchError
from nasbench_eval.spaces import get_space

TSS, SSS = get_space("nats-tss"), get_space("nats-sss")


def test_specs_select_products():
    sub = TSS.subspace("ops=nor_conv_3x3,skip_connect")
    assert sub.size == 2**6 and sub.label == "nats-tss[ops=nor_conv_3x3,skip_connect]"
    edge = TSS.subspace("ops=nor_conv_3x3,skip_connect;3<-0=skip_connect")
    assert edge.size == 2**5
    assert SSS.subspace("widths=32-64").size == 5**5
    assert SSS.subspace("p0=64").size == 8**4


def test_files_of_archs(tmp_path):
    archs = [TSS.example, TSS.format((3,) * 6)]
    f = tmp_path / "archs.txt"
    f.write_text("# two archs\n" + "\n".join(archs) + "\n\n")
    sub = TSS.subspace(str(f))
    assert sub.size == 2 and not sub.is_product and {TSS.format(a) for a in sub.enumerate()} == set(archs)
    csv = tmp_path / "archs.csv"
    csv.write_text("arch,score\n" + "\n".join(f"{a},1" for a in archs) + "\n")
    assert TSS.subspace(str(csv)).size == 2
    assert TSS.subspace(str(f)).subspace("ops=nor_conv_3x3").size == 1


@pytest.mark.parametrize(
    "spec, match",
    [
        ("ops=conv_7x7", "unknown choice 'conv_7x7'"),
        ("edges=none", "unknown position 'edges'"),
        ("ops", "expected KEY=CHOICE"),
        ("ops=", "no choices"),
        ("ops=none;ops=skip_connect", "is empty"),
    ],
)
def test_bad_specs_are_one_line_errors(spec, match):
    with pytest.raises(ArchError, match=match):
        TSS.subspace(spec)


def test_bad_file_names_the_line(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_text(f"{TSS.example}\n|nope~0|\n")
    with pytest.raises(ArchError, match="bad.txt, arch 2"):
        TSS.subspace(str(f))
