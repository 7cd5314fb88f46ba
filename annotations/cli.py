"""`claimtag annotations ...`: validate, describe, extend and grow the corpus.

Growing it (see the README, "Growing the corpus"): ``pre-annotate`` new articles with a run,
``select`` the sentences worth a person's time, ``labelstudio export``/``import`` them, measure
``agreement`` between annotators, ``audit`` the corpus for label errors and ``apply-fixes``.
Each handler only parses, calls its module and writes the result whole at the end.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from annotations.extend import add_drafts
from annotations.internal.atomic import write_json_atomic, write_jsonl_atomic, write_text_atomic
from annotations.internal.near_duplicates import DEFAULT_THRESHOLD, near_duplicate_pairs
from annotations.schema import CONFLICTS, DEFAULT_CORPUS, STYLES, load_corpus, sentence_rows
from annotations.stats import corpus_stats
from annotations.validate import validate_corpus
from training.arguments import DEFAULT_CONFIG

AUDIT_CONFIG = DEFAULT_CONFIG.parent / "audit.toml"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("annotations", help="validate, describe and extend the annotated corpus")
    commands = parser.add_subparsers(dest="annotations_command", required=True)

    validate = commands.add_parser("validate", help="check the corpus; exit 1 on any problem")
    validate.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    validate.add_argument("--near-duplicate-threshold", type=float, default=DEFAULT_THRESHOLD,
                          help="cosine of character n-gram TF-IDF at which two sentences are near-duplicates")
    validate.set_defaults(func=_validate)

    stats = commands.add_parser("stats", help="print label distributions per split, conflict and style")
    stats.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    stats.set_defaults(func=_stats)

    duplicates = commands.add_parser("duplicates", help="list near-duplicate sentence pairs")
    duplicates.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    duplicates.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    duplicates.set_defaults(func=_duplicates)

    add = commands.add_parser("add", help="append drafted articles (paragraphs of [text, label]) or reviewed "
                                          "pre-annotated articles to the corpus")
    add.add_argument("drafts", nargs="+", help="draft JSONL files, one article per line")
    add.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    add.add_argument("--seed", type=int, default=13)
    add.set_defaults(func=_add)
    _register_growth(commands)


def _register_growth(commands: argparse._SubParsersAction) -> None:
    from annotations.selection import STRATEGIES

    pre = commands.add_parser("pre-annotate", help="segment new articles and write the model's labels as unreviewed suggestions")
    pre.add_argument("articles", nargs="+", help=".txt files, folders, .jsonl or .csv of articles")
    pre.add_argument("--model", required=True, help="run folder")
    pre.add_argument("--out", required=True, help="pre-annotated JSONL (corpus format + suggestions)")
    pre.add_argument("--text-column", default="text")
    pre.add_argument("--id-column", default="id")
    pre.add_argument("--conflict", choices=CONFLICTS, help="for articles whose record has none")
    pre.add_argument("--style", choices=STYLES, help="for articles whose record has none")
    pre.add_argument("--outlet", help="for articles whose record has none")
    pre.add_argument("--date", help="for articles whose record has none (YYYY-MM-DD)")
    pre.set_defaults(func=_pre_annotate)

    select = commands.add_parser("select", help="pick the most uncertain, mutually different sentences to annotate next")
    select.add_argument("--model", required=True, help="run folder")
    select.add_argument("--pool", required=True, help="pre-annotated/corpus-format articles or one-sentence JSONL")
    select.add_argument("--n", type=int, default=200, help="how many sentences to pick")
    select.add_argument("--strategy", choices=STRATEGIES, default="margin")
    select.add_argument("--diversity-threshold", type=float, default=DEFAULT_THRESHOLD,
                        help="char n-gram TF-IDF cosine at which a sentence repeats a picked one (>= 1: off)")
    select.add_argument("--out", help="selection JSONL (default: POOL.selected.jsonl)")
    select.set_defaults(func=_select)

    studio = commands.add_parser("labelstudio", help="Label Studio tasks, labelling config and import")
    studio_commands = studio.add_subparsers(dest="labelstudio_command", required=True)
    export = studio_commands.add_parser("export", help="tasks (with the model's suggestions as predictions) and labelling config")
    export.add_argument("articles", help="pre-annotated or corpus-format JSONL")
    export.add_argument("--out", required=True, help="tasks JSON to import into Label Studio")
    export.add_argument("--config", help="labelling config XML (default: OUT with suffix .config.xml)")
    export.add_argument("--sentences", help="JSONL whose 'id's restrict the export (e.g. the output of select)")
    export.set_defaults(func=_labelstudio_export)
    imp = studio_commands.add_parser("import", help="Label Studio's JSON export back to the corpus format")
    imp.add_argument("export", help="Label Studio JSON export")
    imp.add_argument("--out", required=True, help="corpus-format JSONL to write")
    imp.add_argument("--into", help="pre-annotated/corpus-format JSONL to apply the labels to (partial exports)")
    imp.set_defaults(func=_labelstudio_import)

    agree = commands.add_parser("agreement", help="Cohen's kappa and Krippendorff's alpha between annotators")
    agree.add_argument("inputs", nargs="+", help="label-table JSONL, a Label Studio export, or one corpus file per annotator")
    agree.add_argument("--out", help="also write the report (figures and disagreements) as JSON")
    agree.set_defaults(func=_agreement)

    audit = commands.add_parser("audit", help="k-fold out-of-fold training + cleanlab: rank probably wrong labels")
    audit.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    audit.add_argument("--model-config", default=str(AUDIT_CONFIG),
                       help="training options (TOML or JSON) for each fold's model")
    audit.add_argument("--folds", type=int, default=5)
    audit.add_argument("--seed", type=int, default=13, help="seed of the fold assignment")
    audit.add_argument("--out", default="label-review.jsonl", help="review file, one flagged sentence per line")
    audit.set_defaults(func=_audit)

    fixes = commands.add_parser("apply-fixes", help="write a reviewed audit file's corrections into the corpus")
    fixes.add_argument("review", help="review JSONL with 'correct_label' set by the reviewer")
    fixes.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    fixes.add_argument("--dry-run", action="store_true", help="count, change nothing")
    fixes.set_defaults(func=_apply_fixes)


def _validate(args: argparse.Namespace) -> int:
    report = validate_corpus(args.corpus, near_duplicate_threshold=args.near_duplicate_threshold)
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(f"{args.corpus}: {report.articles} articles, {report.sentences} sentences, "
          f"{report.near_duplicate_share:.2%} near-duplicate sentences, {len(report.problems)} problem(s)")
    return 0 if report.ok else 1


def _stats(args: argparse.Namespace) -> int:
    print(corpus_stats(load_corpus(args.corpus)))
    return 0


def _duplicates(args: argparse.Namespace) -> int:
    rows = sentence_rows(load_corpus(args.corpus))
    pairs = near_duplicate_pairs([r["text"] for r in rows], threshold=args.threshold)
    for i, j, score in sorted(pairs, key=lambda p: -p[2]):
        print(f"{score:.3f}\t{rows[i]['id']}\t{rows[j]['id']}\n\t{rows[i]['text']}\n\t{rows[j]['text']}")
    print(f"{len(pairs)} pair(s) at cosine >= {args.threshold}")
    return 0


def _add(args: argparse.Namespace) -> int:
    new = add_drafts(args.corpus, args.drafts, seed=args.seed)
    splits = {s: sum(a.split == s for a in new) for s in ("train", "dev", "test")}
    print(f"added {len(new)} articles to {args.corpus}: {splits}")
    return 0


def _pre_annotate(args: argparse.Namespace) -> int:
    from annotations.preannotate import METADATA_FIELDS, preannotate, read_new_articles
    from model.tagger import Tagger

    records = read_new_articles(args.articles, text_column=args.text_column, id_column=args.id_column)
    defaults = {name: getattr(args, name) for name in METADATA_FIELDS if getattr(args, name)}
    articles = preannotate(records, Tagger.load(args.model), model_version=Path(args.model).resolve().name,
                           defaults=defaults)
    write_jsonl_atomic(args.out, articles)
    print(f"wrote {len(articles)} articles, {sum(len(a['sentences']) for a in articles)} suggested sentences "
          f"(all unreviewed) to {args.out}")
    return 0


def _select(args: argparse.Namespace) -> int:
    import numpy as np

    from annotations.schema import LABELS
    from annotations.selection import explain, read_pool, select_uncertain, selection_rows
    from model.tagger import Tagger

    pool = read_pool(args.pool)
    tagged = Tagger.load(args.model).tag_sentences([row["text"] for row in pool])
    probs = np.array([[s.scores[label] for label in LABELS] for s in tagged])
    selection = select_uncertain(probs, [row["text"] for row in pool], n=args.n, strategy=args.strategy,
                                 diversity_threshold=args.diversity_threshold)
    out = args.out or str(Path(args.pool).with_suffix(".selected.jsonl"))
    write_jsonl_atomic(out, selection_rows(pool, probs, selection))
    print("\n".join(explain(probs, selection, strategy=args.strategy)))
    print(f"wrote {out}")
    return 0


def _labelstudio_export(args: argparse.Namespace) -> int:
    from annotations.internal.article_records import read_articles
    from annotations.labelstudio import export_tasks, labelling_config
    from annotations.schema import iter_records

    ids = {str(r.get("id")) for _, r in iter_records(args.sentences)} if args.sentences else None
    tasks = export_tasks([r for _, r in read_articles(args.articles)], sentence_ids=ids)
    config = args.config or str(Path(args.out).with_suffix(".config.xml"))
    write_json_atomic(args.out, tasks)
    write_text_atomic(config, labelling_config())
    with_predictions = sum("predictions" in t for t in tasks)
    print(f"wrote {len(tasks)} tasks ({with_predictions} with the model's suggestion) to {args.out} "
          f"and the labelling config to {config}")
    return 0


def _labelstudio_import(args: argparse.Namespace) -> int:
    from annotations.internal.article_records import is_unreviewed, read_articles
    from annotations.labelstudio import import_articles, merge_into, read_export

    tasks = read_export(args.export)
    if args.into:
        articles, updated = merge_into([r for _, r in read_articles(args.into)], tasks, path=args.export)
        print(f"applied {updated} annotated label(s) to {args.into}")
    else:
        articles = import_articles(tasks, path=args.export)
    write_jsonl_atomic(args.out, articles)
    unreviewed = sum(is_unreviewed(s) for a in articles for s in a["sentences"])
    print(f"wrote {len(articles)} articles to {args.out}; {unreviewed} sentence(s) still unreviewed suggestions")
    return 0


def _agreement(args: argparse.Namespace) -> int:
    from annotations.agreement import agreement, read_items, report_lines

    report = agreement(read_items(args.inputs))
    print("\n".join(report_lines(report)))
    if args.out:
        write_json_atomic(args.out, report.to_dict())
    return 0


def _audit(args: argparse.Namespace) -> int:
    from annotations.audit import audit, train_and_predict
    from training.arguments import TrainingArguments, load_config_file

    config = TrainingArguments(**load_config_file(args.model_config))
    review, audited = audit(args.corpus, train_and_predict(config), folds=args.folds, seed=args.seed)
    write_jsonl_atomic(args.out, review)
    print(f"{len(review)} of {audited} train/dev sentences flagged as possible label errors; review them in "
          f"{args.out} (set correct_label), then `claimtag annotations apply-fixes {args.out}`")
    return 0


def _apply_fixes(args: argparse.Namespace) -> int:
    from annotations.fixes import apply_fixes

    summary = apply_fixes(args.review, args.corpus, dry_run=args.dry_run)
    print(("dry run: " if args.dry_run else "") + summary.line())
    return 0
