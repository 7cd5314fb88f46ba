"""Label Studio interchange: export sentences as tasks with the model's suggestions as
pre-annotations, and import the finished annotations back into the corpus format.

One task per sentence. Its ``data`` holds the sentence (``text``), the sentences just before
and after it in its article (``before``, ``after``: context, shown greyed), and what is needed
to put it back: ``sentence_id``, ``article_id``, ``position`` (0-based index in the article),
``paragraph`` and the article's ``conflict``, ``style``, ``outlet``, ``date`` and ``split``.
Label Studio keeps every ``data`` field through import and export, shown or not.

A sentence that carries ``scores`` (a pre-annotated file, :mod:`annotations.preannotate`) gets
the model's label as a prediction in Label Studio's pre-annotation format::

    "predictions": [{"model_version": "default", "score": 0.81,
                     "result": [{"id": "...", "from_name": "label", "to_name": "text",
                                 "type": "choices", "value": {"choices": ["denial"]}}]}]

:func:`labelling_config` is the matching labelling interface: a single-choice ``Choices``
control named ``label`` over the ``Text`` object named ``text``, one ``Choice`` per label
(hotkeys 1-5).

Import reads Label Studio's JSON export (a list of tasks, each with ``data`` and
``annotations[].result``). Cancelled (skipped) annotations are ignored; a task whose
annotations disagree is an error (settle it in Label Studio, or measure it with
``claimtag annotations agreement``, which reads the same export). Two ways back:

- self-contained (default): articles are rebuilt from their tasks, in the order they first
  appear, keeping article and sentence ids; every position of an article must be present.
  The text is re-joined the corpus's way (a space between sentences, a blank line between
  paragraphs), as ``claimtag annotations add`` does anyway. Annotated sentences come out in
  the plain corpus format; a sentence left unannotated keeps the prediction as an
  unreviewed suggestion (``suggested: true, reviewed: false``), which ``add`` refuses.
- ``into`` a pre-annotated (or corpus-format) file: each annotated sentence's label replaces
  the one in that file and the sentence becomes plain corpus format (reviewed); everything
  else, the order included, stays as it was. This is the way back after exporting only the
  sentences picked by ``claimtag annotations select``.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import quoteattr

from annotations.internal.article_records import PREANNOTATION_FIELDS
from annotations.schema import LABELS, CorpusFormatError, build_article

FROM_NAME = "label"
TO_NAME = "text"
ARTICLE_FIELDS: tuple[str, ...] = ("conflict", "style", "outlet", "date", "split")


def labelling_config(*, labels: Iterable[str] = LABELS) -> str:
    """The Label Studio labelling config (XML) matching the exported tasks."""
    choices = "\n".join(f"    <Choice value={quoteattr(label)} hotkey=\"{i}\"/>"
                        for i, label in enumerate(labels, start=1))
    return f"""<View>
  <Header value="Label the sentence in bold, in the context of its article (annotations/GUIDELINES.md)"/>
  <View style="color: #777">
    <Text name="before" value="$before"/>
  </View>
  <View style="font-weight: bold; font-size: 1.1em; padding: 0.5em 0">
    <Text name="{TO_NAME}" value="$text"/>
  </View>
  <View style="color: #777">
    <Text name="after" value="$after"/>
  </View>
  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="single" showInline="true" required="true">
{choices}
  </Choices>
</View>
"""


def _result_id(sentence_id: str) -> str:
    """A result id of the characters Label Studio allows (A-Za-z0-9_-), stable per sentence."""
    return "ct" + hashlib.sha1(sentence_id.encode("utf-8")).hexdigest()[:10]


def export_tasks(articles: list[dict], *, sentence_ids: set[str] | None = None) -> list[dict]:
    """Label Studio tasks for the sentences of ``articles`` (checked article records, see
    :func:`annotations.internal.article_records.read_articles`), all or only ``sentence_ids``."""
    if sentence_ids is not None:
        known = {s["id"] for a in articles for s in a["sentences"]}
        unknown = sorted(sentence_ids - known)
        if unknown:
            raise CorpusFormatError(f"{len(unknown)} sentence id(s) not in the articles: {', '.join(unknown[:10])}")
    tasks = []
    for article in articles:
        sentences = article["sentences"]
        for position, sentence in enumerate(sentences):
            if sentence_ids is not None and sentence["id"] not in sentence_ids:
                continue
            data = {
                "text": sentence["text"],
                "before": sentences[position - 1]["text"] if position else "",
                "after": sentences[position + 1]["text"] if position + 1 < len(sentences) else "",
                "sentence_id": sentence["id"], "article_id": article["id"], "position": position,
                "paragraph": sentence.get("paragraph", 0),
                **{name: str(article.get(name, "")) for name in ARTICLE_FIELDS},
            }
            task: dict = {"data": data}
            if "scores" in sentence:
                label = max(sentence["scores"], key=sentence["scores"].get)
                task["predictions"] = [{
                    "model_version": str(article.get("model", "claimtag")),
                    "score": float(sentence["scores"][label]),
                    "result": [{"id": _result_id(sentence["id"]), "from_name": FROM_NAME, "to_name": TO_NAME,
                                "type": "choices", "value": {"choices": [label]}}],
                }]
            tasks.append(task)
    if not tasks:
        raise CorpusFormatError("no sentences to export")
    return tasks


def read_export(path: str | Path) -> list[dict]:
    """The tasks of a Label Studio JSON export, with their fields checked."""
    path = Path(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise CorpusFormatError(f"{path}:{error.lineno}: invalid JSON: {error.msg}") from None
    if not isinstance(tasks, list):
        raise CorpusFormatError(f"{path}: expected a JSON list of tasks (Label Studio's JSON export)")
    problems = []
    for number, task in enumerate(tasks, start=1):
        where = _where(path, number, task)
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            problems.append(f"{where}: field 'data' is missing")
            continue
        for name, kind in (("text", str), ("sentence_id", str), ("article_id", str), ("position", int)):
            if not isinstance(data.get(name), kind):
                problems.append(f"{where}: field 'data.{name}' is missing or not a {kind.__name__} "
                                "(was the task exported by `claimtag annotations labelstudio export`?)")
        if not isinstance(task.get("annotations", []), list):
            problems.append(f"{where}: field 'annotations' is not a list")
    if problems:
        raise CorpusFormatError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
    return tasks


def _where(path: Path, number: int, task) -> str:
    task_id = task.get("id") if isinstance(task, dict) else None
    return f"{path}: task #{number}" + (f" (id {task_id})" if task_id is not None else "")


def annotator_name(annotation: dict) -> str:
    """Who made an annotation: ``completed_by``'s email or id, else the annotation's id."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    return str(who) if who not in (None, "") else f"annotation-{annotation.get('id', '?')}"


def annotation_labels(task: dict, where: str) -> dict[str, str]:
    """``{annotator: label}`` of a task's completed (not cancelled) annotations."""
    labels: dict[str, str] = {}
    for annotation in task.get("annotations", []):
        if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
            continue
        chosen = [r.get("value", {}).get("choices") for r in annotation.get("result", [])
                  if isinstance(r, dict) and r.get("from_name") == FROM_NAME and r.get("type") == "choices"]
        who = annotator_name(annotation)
        if len(chosen) != 1 or not isinstance(chosen[0], list) or len(chosen[0]) != 1 or chosen[0][0] not in LABELS:
            raise CorpusFormatError(f"{where}: annotation by {who}: expected one '{FROM_NAME}' choice among "
                                    f"{', '.join(LABELS)}, found {chosen!r}")
        labels[who] = chosen[0][0]
    return labels


def _prediction(task: dict) -> tuple[str, float] | None:
    for prediction in task.get("predictions", []) or []:
        for r in prediction.get("result", []):
            choices = r.get("value", {}).get("choices") if isinstance(r, dict) else None
            if r.get("from_name") == FROM_NAME and isinstance(choices, list) and choices and choices[0] in LABELS:
                return choices[0], float(prediction.get("score") or 0.0)
    return None


def _task_label(task: dict, where: str) -> str | None:
    labels = annotation_labels(task, where)
    if len(set(labels.values())) > 1:
        raise CorpusFormatError(f"{where}: annotators disagree ({', '.join(f'{k}: {v}' for k, v in labels.items())}); "
                                "settle it in Label Studio (see `claimtag annotations agreement`)")
    return next(iter(labels.values()), None)


def import_articles(tasks: list[dict], *, path: str | Path = "<export>") -> list[dict]:
    """Rebuild articles (corpus-format records) from exported tasks; see the module docstring."""
    path = Path(path)
    by_article: dict[str, dict[int, tuple[dict, str]]] = defaultdict(dict)
    problems = []
    for number, task in enumerate(tasks, start=1):
        where = _where(path, number, task)
        data = task["data"]
        if data["position"] in by_article[data["article_id"]]:
            problems.append(f"{where}: article {data['article_id']} position {data['position']} appears twice")
        by_article[data["article_id"]][data["position"]] = (task, where)
    articles = []
    for article_id, tasks_at in by_article.items():
        missing = sorted(set(range(max(tasks_at) + 1)) - set(tasks_at))
        if missing or min(tasks_at) < 0:
            problems.append(f"{path}: article {article_id}: no task for position(s) {missing} "
                            "(import a partial export with --into FILE)")
            continue
        try:
            articles.append(_rebuild(article_id, [tasks_at[i] for i in range(len(tasks_at))]))
        except CorpusFormatError as error:
            problems.append(str(error))
    if problems:
        raise CorpusFormatError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
    return articles


def _rebuild(article_id: str, tasks: list[tuple[dict, str]]) -> dict:
    first = tasks[0][0]["data"]
    labels = []
    for task, where in tasks:
        label = _task_label(task, where)
        prediction = _prediction(task)
        if label is None and prediction is None:
            raise CorpusFormatError(f"{where}: no completed annotation and no prediction to keep")
        labels.append((label, prediction))
    paragraphs: list[list[tuple[str, str]]] = []
    last_paragraph = None
    for (task, _), (label, prediction) in zip(tasks, labels):
        if task["data"].get("paragraph", 0) != last_paragraph or not paragraphs:
            paragraphs.append([])
            last_paragraph = task["data"].get("paragraph", 0)
        paragraphs[-1].append((task["data"]["text"], label or prediction[0]))
    article = build_article(id=article_id, paragraphs=paragraphs,
                            **{name: str(first.get(name, "")) for name in ARTICLE_FIELDS})
    record = json.loads(article.to_json())
    for sentence, (task, _), (label, prediction) in zip(record["sentences"], tasks, labels):
        sentence["id"] = task["data"]["sentence_id"]
        if label is None:
            sentence.update(suggested=True, reviewed=False, confidence=prediction[1])
    return record


def merge_into(records: list[dict], tasks: list[dict], *, path: str | Path = "<export>") -> tuple[list[dict], int]:
    """Apply the annotated labels of ``tasks`` to ``records`` (article records, changed in
    place) by sentence id; return the records and how many sentences were updated."""
    path = Path(path)
    index = {s["id"]: s for a in records for s in a["sentences"]}
    problems, updated = [], 0
    for number, task in enumerate(tasks, start=1):
        where = _where(path, number, task)
        try:
            label = _task_label(task, where)
        except CorpusFormatError as error:
            problems.append(str(error))
            continue
        if label is None:
            continue
        sentence = index.get(task["data"]["sentence_id"])
        if sentence is None:
            problems.append(f"{where}: sentence {task['data']['sentence_id']} is not in the file imported into")
        elif sentence["text"] != task["data"]["text"]:
            problems.append(f"{where}: sentence {sentence['id']} has another text in the file imported into")
        else:
            for name in PREANNOTATION_FIELDS:
                sentence.pop(name, None)
            sentence["label"] = label
            updated += 1
    if problems:
        raise CorpusFormatError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
    return records, updated
