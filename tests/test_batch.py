import csv
import json

import pytest

from claimtag.cli import main
from model.batch import recover_journal, tag_archive
from model.tagger import Tagger

ARTICLES = [{"id": f"a{i}", "text": f"Headline {i}\n\nThe army said {i} drones fell. Residents heard blasts.",
             "outlet": "Wire"} for i in range(7)]


@pytest.fixture(scope="module")
def tagger(tiny_run):
    return Tagger.load(tiny_run)


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    return path


def _ids(path):
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_jsonl_output_carries_fields_through(tmp_path, archive, tagger):
    out = tmp_path / "out.jsonl"
    summary = tag_archive([archive], out, tagger, show_progress=False)
    assert (summary.articles, summary.sentences, summary.errors) == (7, 21, 0)
    first = json.loads(out.read_text().splitlines()[0])
    assert first["outlet"] == "Wire" and first["source"] == str(archive)
    assert [s["text"] for s in first["sentences"]] == ["Headline 0", "The army said 0 drones fell.", "Residents heard blasts."]


def test_resume_after_interruption_writes_no_article_twice(tmp_path, archive, tagger, monkeypatch):
    out = tmp_path / "out.jsonl"
    calls = {"n": 0}
    original = Tagger.tag_articles

    def dies_on_second_chunk(self, texts):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as if the job were killed mid-run
        return original(self, texts)

    monkeypatch.setattr(Tagger, "tag_articles", dies_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        tag_archive([archive], out, tagger, chunk_articles=3, show_progress=False)
    assert _ids(out) == ["a0", "a1", "a2"]
    # a kill -9 in the middle of a write leaves a torn last line
    with out.open("a") as handle:
        handle.write('{"id": "a3", "sentences": [{"te')
    monkeypatch.setattr(Tagger, "tag_articles", original)
    summary = tag_archive([archive], out, tagger, chunk_articles=3, show_progress=False)
    assert (summary.skipped, summary.articles) == (3, 4)
    assert _ids(out) == [f"a{i}" for i in range(7)]
    again = tag_archive([archive], out, tagger, show_progress=False)
    assert (again.skipped, again.articles) == (7, 0) and len(_ids(out)) == 7


def test_recover_journal_cuts_torn_line(tmp_path):
    journal = tmp_path / "j.jsonl"
    journal.write_bytes(b'{"id": "x"}\n{"id": "y"')
    assert recover_journal(journal) == {"x"}
    assert journal.read_bytes() == b'{"id": "x"}\n'


def test_bad_records_go_to_errors_file_with_line_numbers(tmp_path, tagger):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"id": "ok1", "text": "The army said it retook the town."}\n'
                     b'{not json\n'
                     b'{"id": "no-text", "title": "x"}\n'
                     b'{"id": "bad-bytes", "text": "caf\xe9"}\n'
                     b'{"id": "ok1", "text": "Same id again."}\n'
                     b'{"id": "ok2", "text": "Residents said the shelling went on."}\n')
    out = tmp_path / "out.jsonl"
    summary = tag_archive([path], out, tagger, show_progress=False)
    assert summary.articles == 2 and summary.errors == 4
    errors = [json.loads(line) for line in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert [(e["line"], e["error"].split(":")[0].split(" ")[0]) for e in errors] == [
        (2, "invalid"), (3, "field"), (4, "not"), (5, "duplicate")]
    assert all(e["source"] == str(path) for e in errors)


def test_txt_folder_and_csv_inputs_with_csv_and_html_outputs(tmp_path, tagger):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text("Kremlin denies strike\n\nThe ministry said nothing happened.")
    (folder / "empty.txt").write_text("  ")
    table = tmp_path / "table.csv"
    with table.open("w", newline="") as handle:
        csv.writer(handle).writerows([["id", "body"], ["c1", "Witnesses saw smoke. It rose for hours."]])
    out_csv = tmp_path / "out.csv"
    summary = tag_archive([folder], out_csv, tagger, fmt="csv", show_progress=False)
    assert summary.articles == 1 and summary.errors == 1
    rows = list(csv.DictReader(out_csv.open()))
    assert [r["text"] for r in rows] == ["Kremlin denies strike", "The ministry said nothing happened."]
    out_html = tmp_path / "out.html"
    tag_archive([table], out_html, tagger, fmt="html", text_column="body", show_progress=False)
    page = out_html.read_text()
    assert "Witnesses saw smoke." in page and 'class="legend"' in page and "http" not in page


def test_cli_exit_status_reports_failures(tmp_path, tiny_run, archive):
    assert main(["tag", str(archive), "--model", str(tiny_run), "--output", str(tmp_path / "o.jsonl"), "--no-progress"]) == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    assert main(["tag", str(bad), "--model", str(tiny_run), "--output", str(tmp_path / "p.jsonl"), "--no-progress"]) == 1


def test_csv_without_text_column_is_an_error_naming_the_column(tmp_path, tagger):
    table = tmp_path / "t.csv"
    table.write_text("id,body\n1,Sirens sounded.\n")
    summary = tag_archive([table], tmp_path / "o.jsonl", tagger, show_progress=False)
    errors = (tmp_path / "o.jsonl.errors.jsonl").read_text()
    assert summary.errors == 1 and "no column 'text'" in errors and str(table) in errors


def test_missing_input_path_is_reported(tmp_path, tagger):
    summary = tag_archive([tmp_path / "nope"], tmp_path / "o.jsonl", tagger, show_progress=False)
    assert summary.errors == 1
    assert "no such file or folder" in (tmp_path / "o.jsonl.errors.jsonl").read_text()
