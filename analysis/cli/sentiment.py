"""``python -m analysis sentiment``: score the sentiment of each row of a CSV.

The default model (:func:`analysis.sentiment.default_model`) reads English and
Japanese answers; ``--train`` adds a deployment's own labelled rows to its shipped
examples (:func:`analysis.sentiment.adapt`). Output is one record per row, in input
order: ``{"id", "sentiment", "label"}`` as JSON, or the same columns as CSV.
"""

import argparse
import csv
import sys

from analysis.cli import (
    add_representation_options,
    add_training_options,
    csv_parser,
    fail,
    quiet_pipe,
    write_json,
)
from analysis.csv_input import InputError, read_rows
from analysis.embeddings import MODEL_SETTING, EmbeddingUnavailable
from analysis.sentiment import LABELS, adapt, default_model


def cli(argv: list[str]) -> int:
    """Run ``python -m analysis sentiment`` and return its exit status.

    Parameters
    ----------
    argv : list of str
        Arguments after ``sentiment``.

    Returns
    -------
    int
        0 on success, 2 on a usage or input error (message on stderr).
    """
    parser = csv_parser(
        "python -m analysis sentiment",
        "Score each row's free text from -1 (negative) to 1 (positive).",
    )
    add_training_options(
        parser,
        help="labelled rows (same text column) that adapt the model",
        label_column="sentiment",
        label_help=f"label column of --train ({', '.join(LABELS)})",
    )
    add_representation_options(
        parser,
        help="add sentence embeddings when installed (auto), never, or always",
        model_setting=MODEL_SETTING,
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        rows = read_rows(args.input, [args.text_column, args.id_column])
        labelled = (
            read_rows(args.train, [args.text_column, args.label_column])
            if args.train
            else []
        )
        model = default_model(representation=args.representation, model=args.model)
        if labelled:
            model = adapt(model, *_training_pairs(labelled, args))
    except (InputError, EmbeddingUnavailable) as exc:
        return fail(str(exc))
    texts = [row[args.text_column] for row in rows]
    scores = model.polarity(texts)
    labels = model.predict(texts)
    results = [
        {
            "id": row[args.id_column] if args.id_column else number,
            "sentiment": round(float(score), 4),
            "label": str(label),
        }
        for number, (row, score, label) in enumerate(
            zip(rows, scores, labels, strict=True), start=1
        )
    ]
    if args.format == "json":
        quiet_pipe(lambda: write_json(results))
    else:
        quiet_pipe(lambda: _write_csv(results))
    return 0


def _write_csv(results: list[dict]) -> None:
    """Print the results as CSV with the columns id, sentiment, label."""
    writer = csv.DictWriter(sys.stdout, fieldnames=["id", "sentiment", "label"])
    writer.writeheader()
    writer.writerows(results)


def _training_pairs(
    rows: list[dict[str, str]], args: argparse.Namespace
) -> tuple[list[str], list[str]]:
    """Texts and labels of ``--train``; an unknown label is an input error."""
    texts, labels = [], []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        text = row[args.text_column].strip()
        label = row[args.label_column].strip().lower()
        if label not in LABELS:
            raise InputError(
                f"{args.train}: line {line}: label {row[args.label_column]!r} in "
                f"column {args.label_column!r} is not one of {', '.join(LABELS)}"
            )
        if text:
            texts.append(text)
            labels.append(label)
    return texts, labels
