"""``python -m analysis themes``: cluster a CSV's free-text column into themes.

::

    python -m analysis themes INPUT.csv --text-column text [--id-column id]
        [--nps-column nps] [--k auto|N] [--seed S]
        [--representation auto|tfidf|semantic] [--model NAME_OR_PATH]
        [--previous EARLIER.json]
        [--route [--catalog FILE] [--train LABELLED.csv --label-column department]]
        [--format json|csv]

JSON output::

    {"representation": "semantic",              # of the language with most answers
     "representations": {"en": "semantic", "ja": "tfidf"},
     "themes": [{"id", "label", "terms", "size", "quotes", "sentiment", "nps",
                 "nps_drag", "centroid"}],
     "assignments": [{"id", "theme"}],          # theme null: unclear
     "unclear": 3}

``centroid`` is the theme's term centroid (feature -> weight, top 200 features):
what ``--previous`` reads to match an earlier run's themes, so a theme that
continues an earlier one keeps its id and the others get new ids. With ``--route``
each answer is routed first and themes are clustered within departments
(:func:`analysis.routed_themes.fit_routed_themes`): each theme gains
``"department"`` (null for triage), ``"best_guess"``, ``"confidence"`` and
``"route_terms"``, and each assignment ``"department"``. CSV output is one row per
answer: ``id,theme,theme_label`` (+ ``department``).

Which representation ran is printed on stderr. Bad input, a bad earlier output and a
missing embedding model exit with status 2 and a one-line message.
"""

import argparse
import csv
import json
import sys
from dataclasses import asdict
from typing import Any

from analysis.cli import (
    add_representation_options,
    add_training_options,
    csv_parser,
    fail,
    positive_or_auto,
    quiet_pipe,
    rating,
    write_json,
)
from analysis.csv_input import InputError, read_rows
from analysis.embeddings import MODEL_SETTING, EmbeddingUnavailable
from analysis.themes import ThemeModel

__all__ = ["cli", "previous_centroids"]


def cli(argv: list[str]) -> int:
    """Run ``python -m analysis themes`` (see the module docstring).

    Parameters
    ----------
    argv : list of str
        Arguments after ``themes``.

    Returns
    -------
    int
        0 on success, 2 on a usage or input error (message on stderr).
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        rows = read_rows(
            args.input, [args.text_column, args.id_column, args.nps_column]
        )
        ratings = None
        if args.nps_column:
            ratings = [rating(row[args.nps_column], n) for n, row in enumerate(rows)]
        previous = previous_centroids(args.previous) if args.previous else None
        texts = [row[args.text_column] for row in rows]
        params = {
            "n_themes": args.k,
            "representation": args.representation,
            "model": args.model,
            "random_state": args.seed,
        }
        if args.route:
            result = _routed(texts, ratings, previous, params, args)
        else:
            model = ThemeModel(**params, verbose=True)
            model.fit(texts, ratings=ratings, previous=previous)
            result = _themes_result(model)
    except (InputError, EmbeddingUnavailable) as exc:
        return fail(str(exc))
    except ValueError as exc:
        return fail(f"{args.input}: {exc}")
    runs = ", ".join(f"{lang} {rep}" for lang, rep in result["representations"].items())
    print(f"representation: {result['representation']} ({runs})", file=sys.stderr)
    ids = [row[args.id_column] if args.id_column else n for n, row in enumerate(rows)]
    for assignment, answer_id in zip(result["assignments"], ids, strict=True):
        assignment["id"] = answer_id
    quiet_pipe(lambda: _write(result, args.format))
    return 0


def previous_centroids(path: str) -> dict[int, dict[str, float]]:
    """Read an earlier JSON output's themes as {id: term centroid}.

    Raises
    ------
    InputError
        If the file is missing, not JSON, or not an output of this command.
    """
    try:
        with open(path, encoding="utf-8") as file:
            earlier = json.load(file)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not a readable JSON file ({error})") from None
    themes = earlier.get("themes") if isinstance(earlier, dict) else None
    try:
        return {
            int(theme["id"]): {str(k): float(v) for k, v in theme["centroid"].items()}
            for theme in themes  # type: ignore[union-attr]
        }
    except (TypeError, KeyError, ValueError, AttributeError):
        raise InputError(
            f"{path}: not an earlier output of 'python -m analysis themes' "
            "(each theme needs an 'id' and a 'centroid')"
        ) from None


def _parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = csv_parser(
        "python -m analysis themes",
        "Cluster each row's free text into themes.",
        epilog="Theme ids are small integers, 0 for the largest theme; an unclear "
        "answer has theme null (JSON) or an empty theme (CSV). The same input and "
        "seed give the same output.",
    )
    parser.add_argument("--nps-column", help="optional 0-10 rating column")
    parser.add_argument(
        "--k", type=positive_or_auto, default="auto", help="'auto' or a number"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (same seed, same themes)"
    )
    add_representation_options(
        parser,
        help="auto: sentence embeddings when the model loads, else TF-IDF; "
        "Japanese always uses TF-IDF over its base forms",
        model_setting=MODEL_SETTING,
    )
    parser.add_argument(
        "--previous",
        metavar="EARLIER.json",
        help="an earlier JSON output: themes that continue one keep its id",
    )
    parser.add_argument(
        "--route",
        action="store_true",
        help="route each answer first and cluster within departments",
    )
    parser.add_argument("--catalog", help="department catalog (with --route)")
    add_training_options(
        parser,
        help="labelled rows for the router",
        label_column="department",
        label_help="department column of --train",
    )
    return parser


def _theme_json(theme: Any, centroid: dict[str, float]) -> dict[str, Any]:
    """One theme as JSON: its fields, lists for tuples, and its term centroid."""
    fields = asdict(theme)
    for name in ("terms", "quotes", "route_terms"):
        if name in fields:
            fields[name] = list(fields[name])
    fields["centroid"] = {term: round(w, 6) for term, w in centroid.items()}
    return fields


def _themes_result(model: ThemeModel) -> dict[str, Any]:
    """The JSON result of a plain (unrouted) run."""
    return {
        "representation": model.representation_,
        "representations": dict(model.representations_),
        "themes": [
            _theme_json(theme, model.term_centroids_[theme.id])
            for theme in model.themes_
        ],
        "assignments": [
            {"id": None, "theme": model.themes_[t].id if t >= 0 else None}
            for t in model.labels_.tolist()
        ],
        "unclear": int((model.labels_ < 0).sum()),
    }


def _routed(
    texts: list[str],
    ratings: list[int | None] | None,
    previous: dict[int, dict[str, float]] | None,
    params: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Route, then cluster within departments; the JSON result."""
    from analysis.routed_themes import fit_routed_themes
    from analysis.routing import (
        CatalogError,
        build_router,
        default_catalog_path,
        load_catalog,
    )

    try:
        catalog = load_catalog(args.catalog or default_catalog_path())
    except CatalogError as exc:
        raise InputError("; ".join(exc.errors)) from None
    except FileNotFoundError as exc:
        raise InputError(str(exc)) from None
    corrections = []
    if args.train:
        labelled = read_rows(args.train, [args.text_column, args.label_column])
        corrections = _labelled_pairs(labelled, args, set(catalog.slugs))
    router = build_router(
        catalog, corrections, representation=params["representation"], model=args.model
    )
    routed = fit_routed_themes(
        texts, router, ratings=ratings, previous=previous, **params
    )
    largest = max(routed.models.values(), key=lambda m: len(m.labels_))
    return {
        "representation": largest.representation_,
        "representations": dict(routed.representations),
        "themes": [
            _theme_json(theme, routed.term_centroids[theme.id])
            for theme in routed.themes
        ],
        "assignments": [
            {
                "id": None,
                "theme": routed.themes[t].id if t >= 0 else None,
                "department": department,
            }
            for t, department in zip(
                routed.labels.tolist(), routed.departments, strict=True
            )
        ],
        "unclear": int((routed.labels < 0).sum()),
    }


def _labelled_pairs(
    rows: list[dict[str, str]], args: argparse.Namespace, known: set[str]
) -> list[tuple[str, str]]:
    """The --train rows as (text, department) pairs; every bad label in one error."""
    pairs, problems = [], []
    for number, row in enumerate(rows, start=1):
        label = row[args.label_column].strip()
        if label in known:
            pairs.append((row[args.text_column], label))
        else:
            problems.append(f"row {number}: {label!r}")
    if problems:
        raise InputError(
            f"{args.train}: {len(problems)} rows have a department not in the "
            f"catalog (expected one of {', '.join(sorted(known))}): "
            + "; ".join(problems[:10])
        )
    return pairs


def _write(result: dict[str, Any], output: str) -> None:
    """Print the result as JSON, or one CSV row per answer."""
    if output == "json":
        write_json(result)
        return
    labels = {theme["id"]: theme["label"] for theme in result["themes"]}
    routed = any("department" in a for a in result["assignments"])
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "theme", "theme_label", *(["department"] if routed else [])])
    for assignment in result["assignments"]:
        theme = assignment["theme"]
        row = [
            assignment["id"],
            "" if theme is None else theme,
            "" if theme is None else labels[theme],
        ]
        if routed:
            row.append(assignment["department"] or "")
        writer.writerow(row)
