"""Shards of the Ray engine without Ray: planning, reading, all-or-nothing writing, and the
actor's work done in this process, compared with the local engine."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model.archive import iter_inputs
from model.batch import tag_archive
from model.ray_engine import ShardTagger
from model.shards import (check_manifest, complete_shards, finish, input_files, plan_shards, read_output, read_shard,
                          remove_temporaries, write_shard)
from model.tagger import Tagger

ARTICLES = [{"id": f"a{i}", "text": f"Headline {i}\n\nThe army said {i} drones fell. Residents heard blasts.",
             "outlet": "Wire", "rank": i} for i in range(7)]
MIXED = (b'{"id": "a0", "text": "The army said it retook the town."}\n'
         b'\n'
         b'{not json\n'
         b'{"id": "no-text", "title": "x"}\n'
         b'{"id": "a0", "text": "Same id again."}\n'
         b'{"text": "No id: the file and line stand in."}\n'
         b'{"id": "bad-bytes", "text": "caf\xe9"}\n'
         b'{"id": "last", "text": "Residents said the shelling went on."}')  # no final newline


def _lines(rows):
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_jsonl_shards_read_like_the_local_reader(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(MIXED)
    shards = plan_shards(input_files([path]), shard_size=3)
    assert [(s.first_line, s.rows) for s in shards] == [(1, 3), (4, 3), (7, 2)]
    assert shards[-1].stop == len(MIXED) and all(a.stop == b.start for a, b in zip(shards, shards[1:]))
    ours = [r for s in shards for r in read_shard(s)]
    local = list(iter_inputs([path]))
    assert [vars(r) for r in ours] == [vars(r) for r in local]  # same ids, sources, lines and messages
    # an id repeated within a shard is flagged as the local engine does
    whole = {r.line: r for r in read_shard(plan_shards([path], shard_size=8)[0])}
    assert whole[5].error == "duplicate id 'a0'; the first one was kept"


def test_parquet_shards_are_whole_row_groups(tmp_path):
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(ARTICLES), path, row_group_size=2)  # groups of 2, 2, 2, 1 rows
    assert [(s.start, s.stop, s.first_line) for s in plan_shards([path], shard_size=3)] == [(0, 1, 1), (1, 2, 3), (2, 4, 5)]
    shards = plan_shards([path], shard_size=4)
    assert [(s.start, s.stop, s.rows) for s in shards] == [(0, 2, 4), (2, 4, 3)]
    records = [r for s in shards for r in read_shard(s)]
    assert [(r.id, r.line, r.fields) for r in records] == [(a["id"], i + 1, {"outlet": "Wire", "rank": i})
                                                          for i, a in enumerate(ARTICLES)]
    with pytest.raises(ValueError, match="no column 'body'"):
        plan_shards([path], shard_size=4, text_column="body")


def test_inputs_are_checked_before_any_work(tmp_path):
    (tmp_path / "a.txt").write_text("An article.")
    with pytest.raises(ValueError, match="a.txt: the ray engine reads JSON Lines"):
        input_files([tmp_path / "a.txt"])
    with pytest.raises(FileNotFoundError, match="nope: no such file"):
        input_files([tmp_path / "nope"])
    (tmp_path / "b.jsonl").write_text("")
    assert input_files([tmp_path]) == [tmp_path / "b.jsonl"] and plan_shards(input_files([tmp_path]), shard_size=5) == []


def test_a_failed_write_leaves_no_shard_and_no_temporary(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(_lines(ARTICLES))
    shard = plan_shards([path], shard_size=10)[0]
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError, TypeError)):  # dies in the middle of writing
        write_shard(out, shard, [{"id": "x", "source": "s", "text": "t", "sentences": "not a list"}], [],
                    fmt="parquet", labels=["a"])
    assert complete_shards(out, "parquet") == set() and list(out.iterdir()) == []
    (out / ".shard-00000.parquet.tmp-123").write_bytes(b"PAR1 torn")  # as a kill -9 leaves it
    assert complete_shards(out, "parquet") == set() and remove_temporaries(out) == 1


def test_manifest_refuses_a_rerun_with_other_options(tmp_path):
    check_manifest(tmp_path / "out", {"shard_size": 3, "model": "m"})
    check_manifest(tmp_path / "out", {"shard_size": 3, "model": "m"})
    with pytest.raises(ValueError, match=r"other inputs or options \(shard_size differ\)"):
        check_manifest(tmp_path / "out", {"shard_size": 4, "model": "m"})


def assert_same_articles(ours: list[dict], local: list[dict]) -> None:
    """Same articles, fields, sentences, offsets and labels; scores equal up to float rounding
    (batches of other sentences pad differently)."""
    assert [r["id"] for r in ours] == [r["id"] for r in local]
    for mine, theirs in zip(ours, local):
        assert {k: v for k, v in mine.items() if k != "sentences"} == {k: v for k, v in theirs.items() if k != "sentences"}
        assert len(mine["sentences"]) == len(theirs["sentences"]) > 0
        for a, b in zip(mine["sentences"], theirs["sentences"]):
            assert {k: a[k] for k in ("text", "start", "end", "label", "truncated")} == \
                {k: b[k] for k in ("text", "start", "end", "label", "truncated")}
            assert a["confidence"] == pytest.approx(b["confidence"], abs=1e-6)
            assert list(a["scores"]) == list(b["scores"])
            assert list(a["scores"].values()) == pytest.approx(list(b["scores"].values()), abs=1e-6)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_the_actor_in_process_gives_the_local_engines_results(tmp_path, tiny_run, fmt):
    path = tmp_path / "in.jsonl"
    path.write_text(_lines(ARTICLES) + "{oops\n")
    tag_archive([path], tmp_path / "local.jsonl", Tagger.load(tiny_run), show_progress=False)
    local = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text().splitlines()]
    out = tmp_path / "out"
    out.mkdir()
    actor = ShardTagger(model=str(tiny_run), backend="torch", batch_size=None, threads=1, output=str(out), fmt=fmt)
    shards = plan_shards([path], shard_size=3)
    batch = {key: np.array([s.to_dict()[key] for s in shards]) for key in shards[0].to_dict()}  # as Ray passes it
    summary = actor(batch)
    assert summary["articles"] == [3, 3, 1] and summary["errors"] == [0, 0, 1] and summary["load_seconds"][1:] == [0, 0]
    assert complete_shards(out, fmt) == {0, 1, 2}
    assert_same_articles(list(read_output(out)), local)
    assert json.loads((out / "_errors" / "shard-00002.jsonl").read_text()) == \
        json.loads((tmp_path / "local.jsonl.errors.jsonl").read_text())
    totals = finish(out, shards)
    assert (totals["shards"], totals["articles"], totals["sentences"], totals["errors"]) == (3, 7, 21, 1)
    assert (out / "_errors.jsonl").read_text() == (tmp_path / "local.jsonl.errors.jsonl").read_text()
