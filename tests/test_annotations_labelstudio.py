import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from annotations.labelstudio import (
    FROM_NAME, TO_NAME, export_tasks, import_articles, labelling_config, merge_into, read_export,
)
from annotations.schema import LABELS, CorpusFormatError, load_corpus
from tests.conftest import make_articles

FIXTURE = Path(__file__).parent / "fixtures" / "labelstudio_export.json"


def _records(with_scores: bool = False) -> list[dict]:
    records = [json.loads(a.to_json()) for a in make_articles()]
    if with_scores:
        for article in records:
            article["model"] = "tiny"
            for sentence in article["sentences"]:
                scores = {label: 0.05 for label in LABELS}
                scores[sentence["label"]] = 0.8
                sentence.update(suggested=True, reviewed=False, confidence=0.8, scores=scores)
    return records


def _annotate(tasks: list[dict], label_of) -> list[dict]:
    """What Label Studio's JSON export adds to imported tasks once one person labelled each."""
    done = copy.deepcopy(tasks)
    for number, task in enumerate(done, start=1):
        task["id"] = number
        task["annotations"] = [{
            "id": 1000 + number, "completed_by": 1, "was_cancelled": False, "ground_truth": False,
            "lead_time": 2.5, "task": number, "project": 1,
            "result": [{"id": f"r{number}", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                        "value": {"choices": [label_of(task)]}}],
        }]
    return done


def test_labelling_config_matches_the_tasks():
    root = ET.fromstring(labelling_config())
    choices = root.find(".//Choices")
    assert choices.get("name") == FROM_NAME and choices.get("toName") == TO_NAME and choices.get("choice") == "single"
    assert [c.get("value") for c in choices.findall("Choice")] == list(LABELS)
    texts = {t.get("name"): t.get("value") for t in root.iter("Text")}
    assert texts == {"before": "$before", TO_NAME: "$text", "after": "$after"}


def test_export_writes_predictions_in_label_studio_format():
    tasks = export_tasks(_records(with_scores=True))
    assert len(tasks) == 12
    first = tasks[0]
    assert first["data"]["text"] == "Army says it retook the village" and first["data"]["before"] == ""
    assert first["data"]["after"].startswith("The defence ministry")
    (prediction,) = first["predictions"]
    assert prediction["model_version"] == "tiny" and prediction["score"] == pytest.approx(0.8)
    (result,) = prediction["result"]
    assert {k: result[k] for k in ("from_name", "to_name", "type", "value")} == {
        "from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["official_claim"]}}
    assert len({t["predictions"][0]["result"][0]["id"] for t in tasks}) == 12
    assert "predictions" not in export_tasks(_records())[0]  # corpus format: nothing to suggest


def test_round_trip_through_label_studio_export(tmp_path):
    tasks = export_tasks(_records(with_scores=True))
    export = tmp_path / "export.json"
    export.write_text(json.dumps(_annotate(tasks, lambda t: t["predictions"][0]["result"][0]["value"]["choices"][0])))
    assert import_articles(read_export(export), path=export) == _records()


def test_documented_export_fixture_imports_to_the_corpus_article():
    articles = import_articles(read_export(FIXTURE), path=FIXTURE)
    assert articles == [json.loads(make_articles()[1].to_json())]
    # and the fixture's tasks are what our export writes for that article
    exported = export_tasks(_records(with_scores=True)[1:2])
    assert [t["data"] for t in exported] == [t["data"] for t in json.loads(FIXTURE.read_text())]


def test_unannotated_sentence_stays_an_unreviewed_suggestion(tmp_path):
    tasks = json.loads(FIXTURE.read_text())
    tasks[1]["annotations"] = tasks[1]["annotations"][:1]  # only the cancelled one is left
    (article,) = import_articles(tasks)
    sentence = article["sentences"][1]
    assert sentence["label"] == "official_claim" and sentence["suggested"] and sentence["reviewed"] is False
    with pytest.raises(CorpusFormatError, match="unreviewed model suggestion"):
        path = tmp_path / "c.jsonl"
        path.write_text(json.dumps(article) + "\n")
        load_corpus(path)


def test_disagreeing_annotators_are_an_error():
    tasks = json.loads(FIXTURE.read_text())
    tasks[2]["annotations"][1]["result"][0]["value"]["choices"] = ["denial"]
    with pytest.raises(CorpusFormatError, match=r"task #3 \(id 103\): annotators disagree \(1: official_claim, "
                                                r"reviewer@example.org: denial\)"):
        import_articles(tasks)


def test_missing_position_and_bad_choice_are_named():
    tasks = json.loads(FIXTURE.read_text())
    with pytest.raises(CorpusFormatError, match=r"article ct-0002: no task for position\(s\) \[1\]"):
        import_articles([tasks[0], tasks[2]])
    tasks[0]["annotations"][0]["result"][0]["value"]["choices"] = ["claim"]
    with pytest.raises(CorpusFormatError, match=r"task #1 \(id 101\): annotation by 1: expected one 'label' choice"):
        import_articles(tasks)


def test_export_file_that_is_not_ours_is_refused(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps([{"id": 1, "data": {"text": "x"}}]))
    with pytest.raises(CorpusFormatError, match=r"task #1 \(id 1\): field 'data.sentence_id' is missing"):
        read_export(path)


def test_partial_export_merges_into_the_preannotated_file():
    records = _records(with_scores=True)
    tasks = export_tasks(records, sentence_ids={"ct-0001-002", "ct-0003-003"})
    assert [t["data"]["sentence_id"] for t in tasks] == ["ct-0001-002", "ct-0003-003"]
    merged, updated = merge_into(records, _annotate(tasks, lambda t: "rhetoric"))
    assert updated == 2
    changed = merged[0]["sentences"][1]
    assert changed["label"] == "rhetoric" and "suggested" not in changed and "scores" not in changed
    assert merged[0]["sentences"][0]["reviewed"] is False  # untouched
    stale = _annotate(tasks, lambda t: "rhetoric")
    stale[0]["data"]["text"] = "Something else."
    with pytest.raises(CorpusFormatError, match="ct-0001-002 has another text"):
        merge_into(_records(with_scores=True), stale)


def test_cli_export_then_import(tmp_path, capsys):
    from claimtag.cli import main

    pre = tmp_path / "pre.jsonl"
    pre.write_text("".join(json.dumps(r) + "\n" for r in _records(with_scores=True)))
    selected = tmp_path / "selected.jsonl"
    selected.write_text('{"id": "ct-0002-002"}\n')
    assert main(["annotations", "labelstudio", "export", str(pre), "--out", str(tmp_path / "tasks.json"),
                 "--sentences", str(selected)]) == 0
    assert len(json.loads((tmp_path / "tasks.json").read_text())) == 1
    assert (tmp_path / "tasks.config.xml").read_text().startswith("<View>")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(_annotate(json.loads((tmp_path / "tasks.json").read_text()), lambda t: "denial")))
    out = tmp_path / "reviewed.jsonl"
    assert main(["annotations", "labelstudio", "import", str(export), "--into", str(pre), "--out", str(out)]) == 0
    assert "11 sentence(s) still unreviewed" in capsys.readouterr().out
    assert json.loads(out.read_text().splitlines()[1])["sentences"][1]["label"] == "denial"
    # a self-contained import of a partial export fails and writes nothing
    assert main(["annotations", "labelstudio", "import", str(export), "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "no task for position(s)" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists() and not list(tmp_path.glob(".x.jsonl*"))
