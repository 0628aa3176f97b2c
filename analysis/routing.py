"""Department routing: which team of the customer advocacy team owns a comment.

The department catalog (``surveys/departments.yaml``) is data an organisation edits,
so :func:`load_catalog` validates it and reports every mistake with its file, line,
department and field. :class:`DepartmentRouter` is a TF-IDF + logistic-regression
classifier trained on the catalog's descriptions, keywords and example phrases plus
the corrections advocates make in the app (:func:`training_data`). Every decision
carries a confidence and the words that decided it, and a decision that is too
uncertain, or too close between two departments, goes to the CX lead's triage queue
instead of being guessed. A theme is routed by its answers' evidence
(:meth:`DepartmentRouter.route_theme` averages their probabilities), not by its label.
:func:`keyword_departments` is the keyword-matching baseline the benchmark and tests
compare the router against. ``python -m analysis route`` runs it all on a CSV.
"""

import argparse
import csv
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from analysis.csv_input import InputError, read_rows

__all__ = [
    "Catalog",
    "CatalogError",
    "Decision",
    "Department",
    "DepartmentRouter",
    "cli",
    "default_catalog_path",
    "keyword_departments",
    "load_catalog",
    "parse_catalog",
    "training_data",
]

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CATALOG_FIELDS = ("slug", "name", "description", "keywords", "examples")

# Explanations drop stop words, but a few of scikit-learn's say a lot here
# ("call back", "bill", "system down", "name change").
_KEPT_WORDS = {"bill", "call", "down", "name", "system", "amount", "detail", "find"}
EXPLANATION_STOP_WORDS: frozenset[str] = frozenset(
    (ENGLISH_STOP_WORDS - _KEPT_WORDS)
    | {"don", "didn", "doesn", "isn", "wasn", "aren", "won", "couldn", "wouldn"}
    | {"shouldn", "haven", "hasn", "ve", "ll", "im", "ive", "dont", "cant", "didnt"}
    | {"just", "really", "like", "got", "use", "used"}
)

_YAML_KINDS = {
    "str": "text",
    "int": "a number",
    "float": "a number",
    "bool": "true/false",
    "null": "nothing",
    "timestamp": "a date",
    "binary": "binary data",
}


class CatalogError(ValueError):
    """A department catalog that cannot be used, with every mistake found in it.

    Parameters
    ----------
    errors : list of str
        One message per mistake, each naming the file, line, department and field.

    Attributes
    ----------
    errors : list of str
        The same messages, so a command line can print them all at once.
    """

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        """Rebuild from the list of mistakes (the default would pass the message)."""
        return (type(self), (self.errors,))


@dataclass(frozen=True)
class Department:
    """One department of the catalog: who it is and what customers say to it."""

    slug: str
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """The departments a comment can be routed to, in the order the file lists them."""

    departments: tuple[Department, ...]

    @property
    def slugs(self) -> tuple[str, ...]:
        """Slugs of all departments, in catalog order."""
        return tuple(department.slug for department in self.departments)

    def department(self, slug: str) -> Department:
        """Return the department with this slug; raise ``KeyError`` if none has it."""
        for department in self.departments:
            if department.slug == slug:
                return department
        raise KeyError(slug)


@dataclass(frozen=True)
class Decision:
    """Where one answer or theme goes, how sure the router is, and why.

    ``department`` is ``None`` when the decision needs triage; ``best_guess`` is then
    still the most likely department, and ``terms`` are the words that pushed
    toward it.
    """

    department: str | None
    confidence: float
    runner_up: str | None
    terms: tuple[str, ...]
    needs_triage: bool
    best_guess: str
    runner_up_confidence: float


def default_catalog_path() -> Path:
    """Return the catalog to use when none is named.

    ``surveys/departments.yaml`` under the current directory wins, so an
    organisation's own copy is used; otherwise the repository's shipped file.

    Returns
    -------
    pathlib.Path
        An existing file.

    Raises
    ------
    FileNotFoundError
        When neither file exists.

    Examples
    --------
    >>> default_catalog_path().name
    'departments.yaml'
    """
    relative = Path("surveys") / "departments.yaml"
    candidates = (Path.cwd() / relative, Path(__file__).resolve().parents[1] / relative)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = " or ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(f"no department catalog found (looked for {tried})")


def load_catalog(path: str | os.PathLike[str]) -> Catalog:
    """Read and validate a department catalog file.

    Parameters
    ----------
    path : str or path-like
        A YAML file with a ``departments`` list (see ``surveys/departments.yaml``).

    Returns
    -------
    Catalog
        The departments in file order.

    Raises
    ------
    CatalogError
        Listing every mistake (unreadable file, bad YAML, missing or mistyped
        field, bad or duplicate slug, no examples), each with file and line.

    Examples
    --------
    >>> catalog = load_catalog(default_catalog_path())
    >>> catalog.slugs[:3]
    ('cx', 'ui-design', 'sales')
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError([f"{path}: file not found"]) from None
    except UnicodeDecodeError as exc:
        message = f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise CatalogError([message]) from None
    except OSError as exc:
        raise CatalogError([f"{path}: cannot be read ({exc.strerror})"]) from None
    return parse_catalog(text, source=str(path))


def parse_catalog(text: str, *, source: str = "<catalog>") -> Catalog:
    """Validate catalog YAML given as a string (for example from an admin form).

    Parameters
    ----------
    text : str
        The YAML document.
    source : str, optional
        What to call the document in error messages, usually its file name.

    Returns
    -------
    Catalog
        The departments in document order.

    Raises
    ------
    CatalogError
        Listing every mistake, as :func:`load_catalog` does.

    Examples
    --------
    >>> catalog = parse_catalog('''
    ... departments:
    ...   - slug: tech
    ...     name: Tech
    ...     examples: ["the app crashes"]
    ...   - slug: sales
    ...     name: Sales
    ...     examples: ["too expensive"]
    ... ''')
    >>> catalog.department("tech").examples
    ('the app crashes',)
    >>> try:
    ...     parse_catalog("departments: [{slug: Tech}]", source="d.yaml")
    ... except CatalogError as error:
    ...     for message in error.errors:  # doctest: +NORMALIZE_WHITESPACE
    ...         print(message)
    d.yaml, line 1, field 'departments': expected at least two departments
        (routing chooses between them), got 1
    d.yaml, line 1, department 'Tech', field 'slug': expected lower-case letters,
        digits and single hyphens, got 'Tech'
    d.yaml, line 1, department 'Tech', field 'name': expected text, got nothing
        (missing)
    d.yaml, line 1, department 'Tech', field 'examples': expected a list of
        phrases, got nothing
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "unreadable"
        message = f"{source}, line {line}: not valid YAML ({problem})"
        raise CatalogError([message]) from None
    except yaml.YAMLError as exc:
        raise CatalogError([f"{source}: not valid YAML ({exc})"]) from None
    return _CatalogReader(source).catalog(root)


class _CatalogReader:
    """Walks the YAML node tree, so every mistake can be reported with its line.

    ``department`` arguments are how a message names the department: its slug
    once known, its position in the list before that.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []

    def catalog(self, root: yaml.Node | None) -> Catalog:
        """Return the catalog, or raise CatalogError with all mistakes found."""
        expected = "a mapping with a 'departments' list"
        if root is None:
            self.error(None, None, None, f"{expected}, got an empty file")
            raise CatalogError(self.errors)
        fields = self.fields(root, None, expected)
        departments: list[Department] = []
        if fields is not None:
            for key, (key_node, _) in fields.items():
                if key != "departments":
                    self.error(key_node, None, key, "only 'departments' at the top")
            if "departments" in fields:
                departments = self.departments(fields["departments"][1])
            else:
                self.error(root, None, "departments", "a list, got nothing")
        if self.errors:
            raise CatalogError(self.errors)
        return Catalog(departments=tuple(departments))

    def departments(self, node: yaml.Node) -> list[Department]:
        """Read the ``departments`` list, checking that slugs are unique."""
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, None, "departments", f"a list, got {_kind(node)}")
            return []
        if len(node.value) < 2:
            expected = "at least two departments (routing chooses between them)"
            self.error(node, None, "departments", f"{expected}, got {len(node.value)}")
        departments = []
        first_line: dict[str, int] = {}
        for position, item in enumerate(node.value, start=1):
            department = self.department(item, position)
            if department is None:
                continue
            if department.slug in first_line:
                used = first_line[department.slug]
                expected = f"a unique slug, got one already used on line {used}"
                self.error(item, repr(department.slug), "slug", expected)
                continue
            first_line[department.slug] = item.start_mark.line + 1
            departments.append(department)
        return departments

    def department(self, node: yaml.Node, position: int) -> Department | None:
        """Read one department; return None when a field is unusable."""
        label = f"#{position}"
        fields = self.fields(node, label, "a mapping with slug, name and examples")
        if fields is None:
            return None
        slug = self.text(node, fields, label, "slug", required=True)
        if slug is not None:
            label = repr(slug)
            if not SLUG_PATTERN.fullmatch(slug):
                expected = "lower-case letters, digits and single hyphens"
                slug_node = fields["slug"][1]
                self.error(slug_node, label, "slug", f"{expected}, got {slug!r}")
                slug = None
        for key, (key_node, _) in fields.items():
            if key not in CATALOG_FIELDS:
                known = ", ".join(CATALOG_FIELDS)
                self.error(key_node, label, key, f"one of {known} (unknown field)")
        name = self.text(node, fields, label, "name", required=True)
        description = self.text(node, fields, label, "description", required=False)
        keywords = self.phrases(node, fields, label, "keywords", required=False)
        examples = self.phrases(node, fields, label, "examples", required=True)
        if None in (slug, name, keywords, examples):
            return None
        return Department(slug, name, description or "", keywords, examples)

    def fields(
        self, node: yaml.Node, department: str | None, expected: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """Return a mapping's (key node, value node) by key; None if not a mapping."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, department, None, f"{expected}, got {_kind(node)}")
            return None
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in fields:
                self.error(key_node, department, key, "each field once, got it twice")
            fields[key] = (key_node, value_node)
        return fields

    def text(
        self,
        parent: yaml.Node,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        department: str,
        field: str,
        *,
        required: bool,
    ) -> str | None:
        """Return a field's text; None (with an error if required) when unusable."""
        if field not in fields:
            if required:
                self.error(parent, department, field, "text, got nothing (missing)")
            return None
        node = fields[field][1]
        if not _is_text(node):
            self.error(node, department, field, f"text, got {_kind(node)}")
            return None
        if required and not node.value.strip():
            self.error(node, department, field, "text, got an empty string")
            return None
        return node.value.strip()

    def phrases(
        self,
        parent: yaml.Node,
        fields: dict[str, tuple[yaml.Node, yaml.Node]],
        department: str,
        field: str,
        *,
        required: bool,
    ) -> tuple[str, ...] | None:
        """Return a list field's phrases; None (with errors) when unusable."""
        expected = f"a list of {'keywords' if field == 'keywords' else 'phrases'}"
        if field not in fields:
            if required:
                self.error(parent, department, field, f"{expected}, got nothing")
                return None
            return ()
        node = fields[field][1]
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, department, field, f"{expected}, got {_kind(node)}")
            return None
        if required and not node.value:
            self.error(node, department, field, f"{expected}, got an empty list")
            return None
        phrases = []
        for item in node.value:
            if not _is_text(item):
                hint = " (quote it)" if isinstance(item, yaml.ScalarNode) else ""
                expected_item = f"each entry to be text, got {_kind(item)}{hint}"
                self.error(item, department, field, expected_item)
            elif not item.value.strip():
                self.error(item, department, field, "text, got an empty string")
            else:
                phrases.append(item.value.strip())
        return tuple(phrases) if len(phrases) == len(node.value) else None

    def error(
        self,
        node: yaml.Node | None,
        department: str | None,
        field: str | None,
        expected: str,
    ) -> None:
        """Record 'FILE, line N, department D, field F: expected ...'."""
        where = [self.source]
        if node is not None:
            where.append(f"line {node.start_mark.line + 1}")
        if department is not None:
            where.append(f"department {department}")
        if field is not None:
            where.append(f"field {field!r}")
        self.errors.append(f"{', '.join(where)}: expected {expected}")


def _is_text(node: yaml.Node) -> bool:
    """Whether a node is a YAML string (not a number, boolean, null or collection)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"


def _kind(node: yaml.Node) -> str:
    """Describe what a node holds, in the words an editor of the file would use."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    kind = _YAML_KINDS.get(node.tag.rsplit(":", 1)[-1], node.tag)
    if kind == "text":
        return f"text {node.value!r}"
    return f"{kind} ({node.value!r})" if kind != "nothing" else kind


def training_data(
    catalog: Catalog, corrections: Iterable[tuple[str, str]] = ()
) -> tuple[list[str], list[str]]:
    """Build the router's training texts and labels from a catalog and corrections.

    Each department contributes its description, each keyword and each example;
    each correction (an answer an advocate moved to another department) adds one
    labelled text.

    Parameters
    ----------
    catalog : Catalog
        The departments to learn.
    corrections : iterable of (str, str)
        ``(text, department slug)`` pairs.

    Returns
    -------
    texts : list of str
    labels : list of str
        Department slugs, one per text.

    Raises
    ------
    ValueError
        When a correction names a department that is not in the catalog.

    Examples
    --------
    >>> catalog = parse_catalog('''
    ... departments:
    ...   - {slug: tech, name: Tech, keywords: [bug], examples: ["it crashes"]}
    ...   - {slug: sales, name: Sales, examples: ["too expensive"]}
    ... ''')
    >>> texts, labels = training_data(catalog, [("the invoice is wrong", "sales")])
    >>> list(zip(texts, labels))  # doctest: +NORMALIZE_WHITESPACE
    [('bug', 'tech'), ('it crashes', 'tech'), ('too expensive', 'sales'),
     ('the invoice is wrong', 'sales')]
    """
    texts: list[str] = []
    labels: list[str] = []
    for department in catalog.departments:
        phrases = [department.description, *department.keywords, *department.examples]
        for phrase in phrases:
            if phrase:
                texts.append(phrase)
                labels.append(department.slug)
    known = set(catalog.slugs)
    for text, slug in corrections:
        if slug not in known:
            raise ValueError(
                f"correction {text!r} names department {slug!r}, which is not in the "
                f"catalog (expected one of {', '.join(catalog.slugs)})"
            )
        texts.append(text)
        labels.append(slug)
    return texts, labels


class DepartmentRouter(ClassifierMixin, BaseEstimator):
    """Route free-text answers to departments, with a confidence and a reason.

    Word 1-2 grams and character 2-5 grams (robust to typos and short answers),
    both TF-IDF weighted, feed a multinomial logistic regression.

    Parameters
    ----------
    min_confidence : float, default=0.40
        Below this top probability a decision goes to triage. 0.40 rather than
        0.45: on the demo's themes it routes 7 points more of them at the same
        accuracy (0.92), on the held-out comments it triages 25% instead of 32%
        for 0.9 points of accuracy (``bench/bench_routing.py``,
        ``bench/bench_demo_themes.py``).
    min_margin : float, default=0.10
        When the top two probabilities are closer than this, triage.
    C : float, default=30.0
        Inverse regularisation strength of the logistic regression; the training
        phrases are few and short, so weak regularisation gives usable confidences.
    class_weight : "balanced" or None, default="balanced"
        Weigh departments equally however many examples each has.
    char_ngrams : bool, default=True
        Add character n-grams to the word n-grams.
    random_state : int, default=0
        Seed of the logistic regression.

    Attributes
    ----------
    classes_ : ndarray of str
        Department slugs, sorted.
    word_vectorizer_, char_vectorizer_ : TfidfVectorizer
        The fitted features (``char_vectorizer_`` is None without ``char_ngrams``).
    classifier_ : LogisticRegression
        The fitted classifier.

    Examples
    --------
    >>> router = DepartmentRouter().fit(
    ...     ["the app crashes", "error on login", "price too high", "wrong invoice"],
    ...     ["tech", "tech", "sales", "sales"],
    ... )
    >>> router.predict(["the app crashes again", "the invoice price"]).tolist()
    ['tech', 'sales']
    >>> router.explain("the app crashes again", "tech", top=2)
    ['app', 'app crashes']
    """

    def __init__(
        self,
        *,
        min_confidence: float = 0.40,
        min_margin: float = 0.10,
        C: float = 30.0,
        class_weight: str | None = "balanced",
        char_ngrams: bool = True,
        random_state: int = 0,
    ) -> None:
        self.min_confidence = min_confidence
        self.min_margin = min_margin
        self.C = C
        self.class_weight = class_weight
        self.char_ngrams = char_ngrams
        self.random_state = random_state

    def fit(
        self,
        texts: Sequence[str],
        departments: Sequence[str],
        sample_weight: Sequence[float] | None = None,
    ) -> "DepartmentRouter":
        """Learn departments from labelled texts.

        Parameters
        ----------
        texts : sequence of str
            Training phrases, for example from :func:`training_data`.
        departments : sequence of str
            The department slug of each text; at least two different ones.
        sample_weight : sequence of float, optional
            Weight of each text.

        Returns
        -------
        DepartmentRouter
            ``self``, fitted.
        """
        texts = _as_texts(texts)
        labels = [str(label) for label in departments]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} departments")
        if len(set(labels)) < 2:
            raise ValueError("routing needs examples of at least two departments")
        self.word_vectorizer_ = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode"
        )
        self.char_vectorizer_ = (
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 5),
                sublinear_tf=True,
                strip_accents="unicode",
            )
            if self.char_ngrams
            else None
        )
        words = self.word_vectorizer_.fit_transform(texts)
        features = words
        if self.char_vectorizer_ is not None:
            features = sparse.hstack(
                [words, self.char_vectorizer_.fit_transform(texts)], format="csr"
            )
        self.classifier_ = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=5000,
            random_state=self.random_state,
        )
        # The problem is tiny: threaded BLAS only adds overhead, and on a busy
        # two-core machine it made fitting ten times slower.
        with threadpool_limits(limits=1, user_api="blas"):
            self.classifier_.fit(features, labels, sample_weight=sample_weight)
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return each text's probability for each department (columns: ``classes_``).

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of shape (n_texts, n_departments)
        """
        check_is_fitted(self, "classifier_")
        texts = _as_texts(texts)
        if not texts:
            return np.empty((0, len(self.classes_)))
        return self.classifier_.predict_proba(self._features(texts))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Return each text's most likely department, never triaging.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of str
        """
        probabilities = self.predict_proba(texts)
        return self.classes_[probabilities.argmax(axis=1)]

    def explain(self, text: str, department: str, *, top: int = 5) -> list[str]:
        """Return the words and word pairs of ``text`` that pushed it to ``department``.

        Each term's push is its TF-IDF weight times the department's coefficient
        relative to the other departments. Terms with a stop word are never shown,
        nor a term whose words all appear in stronger terms already shown.

        Parameters
        ----------
        text : str
        department : str
            One of ``classes_``.
        top : int, default=5
            At most this many terms.

        Returns
        -------
        list of str
            Strongest first; empty when nothing in the text points there.

        Examples
        --------
        >>> router = DepartmentRouter().fit(
        ...     ["slow pages", "server outage", "pricing plan", "quote request"],
        ...     ["tech", "tech", "sales", "sales"],
        ... )
        >>> router.explain("an outage and slow pages", "tech")
        ['pages', 'slow', 'outage']
        """
        check_is_fitted(self, "classifier_")
        index = self._class_index(department)
        words = self.word_vectorizer_.transform(_as_texts([text]))
        return self._terms(words, index, top=top)

    def route(self, texts: Sequence[str]) -> list[Decision]:
        """Decide each answer's department, sending uncertain ones to triage.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        list of Decision
            One per text, in order.

        Examples
        --------
        >>> router = DepartmentRouter().fit(
        ...     ["the app crashes", "error on login", "price too high", "bad invoice"],
        ...     ["tech", "tech", "sales", "sales"],
        ... )
        >>> [d.department for d in router.route(["crashes on login", "hello"])]
        ['tech', None]
        """
        check_is_fitted(self, "classifier_")
        texts = _as_texts(texts)
        if not texts:
            return []
        probabilities = self.predict_proba(texts)
        words = self.word_vectorizer_.transform(texts)
        return [
            self._decision(probabilities[row], words[row]) for row in range(len(texts))
        ]

    def route_theme(self, texts: Sequence[str]) -> Decision:
        """Decide one department for a theme from all of its answers.

        The answers' probabilities are averaged, so the theme goes where its
        evidence points; it goes to triage when the mean top probability is below
        ``min_confidence`` or the top two are within ``min_margin``. The terms
        are those that pushed the answers, taken together, toward the decision.

        Parameters
        ----------
        texts : sequence of str
            The theme's answers; at least one.

        Returns
        -------
        Decision

        Examples
        --------
        >>> router = DepartmentRouter().fit(
        ...     ["the app crashes", "error on login", "price too high", "bad invoice"],
        ...     ["tech", "tech", "sales", "sales"],
        ... )
        >>> router.route_theme(["it crashes", "login error", "the price"]).department
        'tech'
        """
        check_is_fitted(self, "classifier_")
        texts = _as_texts(texts)
        if not texts:
            raise ValueError("a theme needs at least one answer to be routed")
        probabilities = self.predict_proba(texts).mean(axis=0)
        words = sparse.csr_matrix(self.word_vectorizer_.transform(texts).mean(axis=0))
        return self._decision(probabilities, words)

    def _features(self, texts: list[str]) -> sparse.csr_matrix:
        """Transform texts into the fitted word (and character) features."""
        words = self.word_vectorizer_.transform(texts)
        if self.char_vectorizer_ is None:
            return words
        characters = self.char_vectorizer_.transform(texts)
        return sparse.hstack([words, characters], format="csr")

    def _class_index(self, department: str) -> int:
        """Return the column of ``department``; raise ValueError if it is unknown."""
        matches = np.flatnonzero(self.classes_ == department)
        if not matches.size:
            known = ", ".join(map(str, self.classes_))
            raise ValueError(
                f"unknown department {department!r} (expected one of {known})"
            )
        return int(matches[0])

    def _relative_word_coefficients(self) -> np.ndarray:
        """Word coefficients per department, relative to the mean over departments."""
        n_words = len(self.word_vectorizer_.vocabulary_)
        coefficients = self.classifier_.coef_[:, :n_words]
        if coefficients.shape[0] == 1:
            # A binary model stores one row; softmax-equivalent rows are -w/2 and w/2.
            coefficients = np.vstack([-coefficients / 2, coefficients / 2])
        return coefficients - coefficients.mean(axis=0)

    def _terms(self, words: sparse.spmatrix, index: int, *, top: int) -> list[str]:
        """Return the strongest terms of one TF-IDF row toward class ``index``."""
        row = sparse.csr_matrix(words)
        coefficients = self._relative_word_coefficients()[index]
        pushes = row.data * coefficients[row.indices]
        vocabulary = self.word_vectorizer_.get_feature_names_out()
        terms: list[str] = []
        covered: set[str] = set()
        for position in np.argsort(-pushes, kind="stable"):
            if len(terms) >= top or pushes[position] <= 0:
                break
            term = str(vocabulary[row.indices[position]])
            tokens = term.split()
            if any(token in EXPLANATION_STOP_WORDS for token in tokens):
                continue
            if set(tokens) <= covered:
                continue
            terms.append(term)
            covered.update(tokens)
        return terms

    def _decision(self, probabilities: np.ndarray, words: sparse.spmatrix) -> Decision:
        """Turn one probability vector (and its TF-IDF row) into a Decision."""
        order = np.argsort(-probabilities, kind="stable")
        best = int(order[0])
        confidence = float(probabilities[best])
        second = int(order[1]) if len(order) > 1 else None
        runner_up_confidence = (
            float(probabilities[second]) if second is not None else 0.0
        )
        needs_triage = (
            confidence < self.min_confidence
            or confidence - runner_up_confidence < self.min_margin
        )
        best_guess = str(self.classes_[best])
        return Decision(
            department=None if needs_triage else best_guess,
            confidence=confidence,
            runner_up=str(self.classes_[second]) if second is not None else None,
            terms=tuple(self._terms(words, best, top=5)),
            needs_triage=needs_triage,
            best_guess=best_guess,
            runner_up_confidence=runner_up_confidence,
        )


def _as_texts(texts: Iterable[str]) -> list[str]:
    """Return texts as a list of strings, refusing a bare string (a common slip)."""
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got a single string")
    return ["" if text is None else str(text) for text in texts]


def keyword_departments(texts: Iterable[str], catalog: Catalog) -> list[str | None]:
    """Route by counting catalog keywords: the baseline the router must beat.

    A keyword matches as a whole word or phrase, also with a plural ``s``/``es``;
    the department with most matches wins, ties go to the first in the catalog,
    and a text without any keyword gets ``None``.

    Parameters
    ----------
    texts : iterable of str
    catalog : Catalog

    Returns
    -------
    list of str or None

    Examples
    --------
    >>> catalog = parse_catalog('''
    ... departments:
    ...   - {slug: tech, name: Tech, keywords: [bug, crash], examples: [x]}
    ...   - {slug: sales, name: Sales, keywords: [invoice], examples: [x]}
    ... ''')
    >>> keyword_departments(["two bugs and a crash", "my invoices", "hello"], catalog)
    ['tech', 'sales', None]
    """
    patterns = [
        (
            department.slug,
            [
                re.compile(rf"\b{re.escape(keyword.lower())}(?:s|es)?\b")
                for keyword in department.keywords
            ],
        )
        for department in catalog.departments
    ]
    routed: list[str | None] = []
    for text in texts:
        lowered = text.lower()
        counts = [
            sum(len(pattern.findall(lowered)) for pattern in keywords)
            for _, keywords in patterns
        ]
        best = max(range(len(counts)), key=lambda i: (counts[i], -i)) if counts else 0
        routed.append(patterns[best][0] if counts and counts[best] > 0 else None)
    return routed


def cli(argv: list[str]) -> int:
    """Run ``python -m analysis route``: route each row of a CSV to a department.

    Parameters
    ----------
    argv : list of str
        Arguments after ``route``.

    Returns
    -------
    int
        0 on success, 2 on a usage or input error (message on stderr).
    """
    parser = argparse.ArgumentParser(
        prog="python -m analysis route",
        description="Route each row's free text to a department of the catalog.",
    )
    parser.add_argument("input", metavar="INPUT.csv", help="UTF-8 CSV with a header")
    parser.add_argument("--text-column", default="text", help="column with the answer")
    parser.add_argument(
        "--id-column", help="column identifying each row (default: row number)"
    )
    parser.add_argument(
        "--train",
        metavar="LABELLED.csv",
        help="extra labelled rows (same text column) added to the catalog's examples",
    )
    parser.add_argument(
        "--label-column", default="department", help="department column of --train"
    )
    parser.add_argument(
        "--catalog", help="department catalog (default: surveys/departments.yaml)"
    )
    parser.add_argument("--format", choices=["json", "csv"], default="json")
    parser.add_argument("--min-confidence", type=float, default=0.40)
    parser.add_argument("--min-margin", type=float, default=0.10)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        catalog = load_catalog(args.catalog or default_catalog_path())
        rows = read_rows(args.input, [args.text_column, args.id_column])
        corrections = []
        if args.train:
            labelled = read_rows(args.train, [args.text_column, args.label_column])
            corrections = _corrections(labelled, args, catalog)
    except CatalogError as exc:
        print("\n".join(f"error: {message}" for message in exc.errors), file=sys.stderr)
        return 2
    except (InputError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    router = DepartmentRouter(
        min_confidence=args.min_confidence, min_margin=args.min_margin
    )
    router.fit(*training_data(catalog, corrections))
    decisions = router.route([row[args.text_column] for row in rows])
    results = [
        {
            "id": row[args.id_column] if args.id_column else number,
            "department": decision.department,
            "confidence": round(decision.confidence, 4),
            "terms": list(decision.terms),
            "triage": decision.needs_triage,
            "best_guess": decision.best_guess,
            "runner_up": decision.runner_up,
        }
        for number, (row, decision) in enumerate(
            zip(rows, decisions, strict=True), start=1
        )
    ]
    if args.format == "json":
        json.dump(results, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        writer = csv.DictWriter(
            sys.stdout, fieldnames=list(results[0]), lineterminator="\n"
        )
        writer.writeheader()
        for result in results:
            writer.writerow({**result, "terms": "; ".join(result["terms"])})
    return 0


def _corrections(
    rows: list[dict[str, str]], args: argparse.Namespace, catalog: Catalog
) -> list[tuple[str, str]]:
    """Return the labelled rows as (text, slug) pairs; all bad labels in one error."""
    known = set(catalog.slugs)
    pairs = []
    problems = []
    for number, row in enumerate(rows, start=1):
        label = row[args.label_column].strip()
        if label not in known:
            problems.append(f"row {number}: {label!r}")
        else:
            pairs.append((row[args.text_column], label))
    if problems:
        shown = "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
        raise InputError(
            f"{args.train}: {len(problems)} rows have a department not in the catalog "
            f"(expected one of {', '.join(catalog.slugs)}): {shown}"
        )
    return pairs
