"""The Ray engine end to end on a local Ray (2 CPUs, started once for the module): the same
results as the local engine, shard-level resuming, and the CLI. Skipped without Ray."""

import json
import shutil

import pytest

ray = pytest.importorskip("ray")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from claimtag.cli import main  # noqa: E402
from model.batch import tag_archive  # noqa: E402
from model.ray_engine import init_ray, tag_archive_ray  # noqa: E402
from model.shards import ERRORS, SUCCESS, complete_shards, read_output  # noqa: E402
from model.tagger import Tagger  # noqa: E402
from tests.test_shards import ARTICLES, _lines, assert_same_articles  # noqa: E402

INPUT = _lines(ARTICLES[:4]) + "{oops\n" + _lines(ARTICLES[4:])  # 8 lines: 3 shards of 3, 3 and 2


@pytest.fixture(scope="module")
def local_ray():
    started = init_ray(num_cpus=2)
    yield
    if started:
        ray.shutdown()


@pytest.fixture(scope="module")
def runs(tmp_path_factory, tiny_run, local_ray):
    """The local engine's output and a clean Ray run (Parquet, 2 actors) on the same input."""
    folder = tmp_path_factory.mktemp("ray")
    path = folder / "in.jsonl"
    path.write_text(INPUT)
    tag_archive([path], folder / "local.jsonl", Tagger.load(tiny_run), show_progress=False)
    summary = tag_archive_ray([path], folder / "out", model=tiny_run, shard_size=3, actors=2, show_progress=False)
    return path, folder, summary


def test_ray_gives_the_local_engines_results(runs):
    path, folder, summary = runs
    assert (summary.shards, summary.shards_done, summary.actors, summary.articles, summary.errors) == (3, 3, 2, 7, 1)
    local = [json.loads(line) for line in (folder / "local.jsonl").read_text().splitlines()]
    assert_same_articles(list(read_output(folder / "out")), local)
    assert (folder / "out" / ERRORS).read_text() == (folder / "local.jsonl.errors.jsonl").read_text()
    assert json.loads((folder / "out" / SUCCESS).read_text())["articles"] == 7
    assert sorted(p.name for p in (folder / "out").glob("*.parquet")) == [f"shard-0000{i}.parquet" for i in range(3)]


def test_rerun_after_a_failure_does_only_the_missing_shard(runs, tiny_run, tmp_path):
    path, folder, _ = runs
    out = tmp_path / "out"
    shutil.copytree(folder / "out", out)
    # as a run killed while writing shard 1 leaves it: no shard file, a torn temporary, no _SUCCESS
    written = (out / "shard-00001.parquet").read_bytes()
    (out / "shard-00001.parquet").unlink()
    (out / ".shard-00001.parquet.tmp-0123456789ab").write_bytes(written[: len(written) // 2])
    (out / SUCCESS).unlink()
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*")}
    summary = tag_archive_ray([path], out, model=tiny_run, shard_size=3, show_progress=False)
    assert (summary.shards_skipped, summary.shards_done, summary.articles) == (2, 1, 2)
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*") if p.name in before} == before
    assert not list(out.glob(".*")) and json.loads((out / SUCCESS).read_text())["articles"] == 7  # all runs' totals
    assert list(read_output(out)) == list(read_output(folder / "out"))  # nothing lost, nothing twice
    again = tag_archive_ray([path], out, model=tiny_run, shard_size=3, show_progress=False)
    assert (again.shards_skipped, again.shards_done) == (3, 0)
    with pytest.raises(ValueError, match=r"\(shard_size, shards differ\)"):
        tag_archive_ray([path], out, model=tiny_run, shard_size=2, show_progress=False)


def test_cli_parquet_input_to_jsonl_shards(runs, tiny_run, tmp_path, capsys):
    path, folder, _ = runs
    table = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(ARTICLES), table, row_group_size=4)
    out = tmp_path / "out"
    assert main(["tag", str(table), "--engine", "ray", "--model", str(tiny_run), "--output", str(out),
                 "--format", "jsonl", "--shard-size", "4", "--actors", "1", "--no-progress"]) == 0
    assert "shards: 2 written, 0 already done, of 2 (1 actors x 1 threads)" in capsys.readouterr().out
    assert complete_shards(out, "jsonl") == {0, 1} and (out / ERRORS).read_text() == ""
    local = [{**row, "source": str(table)} for row in map(json.loads, (folder / "local.jsonl").read_text().splitlines())]
    assert_same_articles(list(read_output(out)), local)


def test_cli_rejects_options_of_the_other_engine(tmp_path, tiny_run, capsys):
    base = ["tag", str(tmp_path / "in.jsonl"), "--model", str(tiny_run), "--output", str(tmp_path / "o")]
    assert main(base + ["--actors", "2"]) == 2
    assert main(base + ["--engine", "ray", "--format", "csv"]) == 2
    (tmp_path / "a.txt").write_text("Text.")
    assert main(["tag", str(tmp_path / "a.txt"), "--engine", "ray", "--model", str(tiny_run), "--output", str(tmp_path / "o")]) == 2
    errors = capsys.readouterr().err
    assert "--actors: only with --engine ray" in errors and "the ray engine writes parquet or jsonl" in errors
    assert "a.txt: the ray engine reads JSON Lines (.jsonl) and Parquet" in errors
