import json
from pathlib import Path

import pytest

from annotations.agreement import Item, agreement, read_items
from annotations.internal.krippendorff import nominal_alpha
from annotations.schema import CorpusFormatError, save_corpus
from tests.conftest import make_articles

FIXTURE = Path(__file__).parent / "fixtures" / "labelstudio_export.json"


def _items(table: dict[str, list[str]]) -> list[Item]:
    n = len(next(iter(table.values())))
    return [Item(f"s{i}", f"sentence {i}", {who: labels[i] for who, labels in table.items() if labels[i]})
            for i in range(n)]


def test_two_annotators_match_hand_computed_figures():
    # A: oc oc de de; B: oc de de de
    # kappa: p_o = 3/4, p_e = 1/2 * 1/4 + 1/2 * 3/4 = 1/2, kappa = (3/4 - 1/2) / (1/2) = 0.5
    # alpha: coincidences o(oc,oc) = 2, o(oc,de) = o(de,oc) = 1, o(de,de) = 4; n_oc = 3, n_de = 5, n = 8
    #        alpha = 1 - (n - 1) * 2 / (2 * 3 * 5) = 1 - 7/15 = 8/15
    report = agreement(_items({"A": ["official_claim", "official_claim", "denial", "denial"],
                               "B": ["official_claim", "denial", "denial", "denial"]}))
    assert report.annotators == ["A", "B"] and report.sentences == 4
    assert report.kappa == pytest.approx(0.5) and report.alpha == pytest.approx(8 / 15)
    # one vs rest is the same two-valued problem for both labels used here
    for label in ("official_claim", "denial"):
        assert report.per_label[label]["kappa"] == pytest.approx(0.5)
        assert report.per_label[label]["alpha"] == pytest.approx(8 / 15)
    assert report.per_label["rhetoric"] == {"alpha": None, "kappa": None, "pairs": [{"a": "A", "b": "B", "kappa": None}]}
    assert report.disagreements == [{"id": "s1", "text": "sentence 1",
                                     "labels": {"A": "official_claim", "B": "denial"}}]


def test_three_annotators_match_hand_computed_figures():
    # X: a a b; Y: a a b; Z: a b b.  Pairs: kappa(X,Y) = 1, kappa(X,Z) = kappa(Y,Z) = (2/3 - 4/9) / (5/9) = 0.4
    # alpha: unit 1 (a,a,a) o(a,a) += 3; unit 2 (a,a,b) o(a,a) += 1, o(a,b) = o(b,a) = 1; unit 3 o(b,b) += 3
    #        n_a = 5, n_b = 4, n = 9: alpha = 1 - 8 * 2 / (2 * 5 * 4) = 0.6
    report = agreement(_items({"X": ["other", "other", "rhetoric"], "Y": ["other", "other", "rhetoric"],
                               "Z": ["other", "rhetoric", "rhetoric"]}))
    assert [p["kappa"] for p in report.pairs] == pytest.approx([1.0, 0.4, 0.4])
    assert report.kappa == pytest.approx(0.6) and report.alpha == pytest.approx(0.6)


def test_alpha_on_krippendorffs_worked_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 observers, 12 units: 0.743
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
            [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    units = [[row[j] for row in data if row[j] is not None] for j in range(12)]
    assert nominal_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_missing_labels_and_single_annotator_items():
    report = agreement(_items({"A": ["other", "denial", "other"], "B": ["other", "denial", None]}))
    assert report.sentences == 2 and report.pairs[0]["sentences"] == 2 and report.kappa == pytest.approx(1.0)
    with pytest.raises(CorpusFormatError, match="at least two annotators"):
        agreement(_items({"A": ["other", "denial"]}))


def test_inputs_label_table_label_studio_and_corpus_files(tmp_path):
    table = tmp_path / "table.jsonl"
    table.write_text(json.dumps({"id": "x", "text": "t", "labels": {"a": "other", "b": "other"}}) + "\n"
                     + json.dumps({"id": "y", "text": "u", "labels": {"a": "other", "b": "denail"}}) + "\n")
    with pytest.raises(CorpusFormatError, match=r"table.jsonl:2: field 'labels.b' is 'denail'"):
        read_items([table])

    items = read_items([FIXTURE])
    assert [i.labels for i in items] == [{"1": "denial"}, {"2": "unverified_report"},
                                         {"1": "official_claim", "reviewer@example.org": "official_claim"}]

    first, second = make_articles(), make_articles()
    second[0].sentences[1].label = "unverified_report"
    save_corpus(first, tmp_path / "ana.jsonl")
    save_corpus(second, tmp_path / "ben.jsonl")
    report = agreement(read_items([tmp_path / "ana.jsonl", tmp_path / "ben.jsonl"]))
    assert report.annotators == ["ana", "ben"] and report.sentences == 12
    assert [d["id"] for d in report.disagreements] == ["ct-0001-002"]


def test_cli_agreement_prints_and_writes_report(tmp_path, capsys):
    from claimtag.cli import main

    table = tmp_path / "table.jsonl"
    table.write_text("".join(json.dumps({"id": f"s{i}", "text": f"sentence {i}", "labels": {"A": a, "B": b}}) + "\n"
                             for i, (a, b) in enumerate([("official_claim", "official_claim"),
                                                         ("official_claim", "denial"), ("denial", "denial"),
                                                         ("denial", "denial")])))
    out = tmp_path / "report.json"
    assert main(["annotations", "agreement", str(table), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "overall: Krippendorff's alpha 0.533, Cohen's kappa 0.500" in printed
    assert "1 disagreement(s):" in printed and "s1\t" in printed
    assert json.loads(out.read_text())["kappa"] == pytest.approx(0.5)
