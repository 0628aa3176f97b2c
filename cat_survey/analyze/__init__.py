"""Theme runs: cluster stored free-text answers, keep honest identities, route them.

``run_analysis`` is what ``flask analyze`` does:

1. It reads the free-text answers in scope (with their response's NPS) in one
   query and, for the ``semantic`` representation, their sentence embeddings:
   stored ones are read back and only answers without one are embedded
   (:mod:`cat_survey.embeddings`).
2. **One department per theme** (:func:`fit_themes`): the department router
   (trained on the catalog plus every reassignment an advocate made, kept
   across runs as answer ids) routes each answer, then the answers of each
   department are themed on their own (``analysis.routed_themes``), so an
   answer reaches through its theme the department it would reach alone. The
   answers the router was unsure of form triage themes; read together, such a
   theme often points clearly to one department, and then goes there.
3. **Identity** (:func:`theme_lineage`): a theme of the previous run keeps its id,
   status and owner only when one new theme really continues it: that theme holds
   more than half of the old theme's answers, more than half of the new theme's
   previously themed answers came from it, and their centres are alike. Every
   other old theme is closed, never quietly reused for another topic: as
   ``superseded`` with an event naming the themes that took its answers, or as
   ``archived`` with an event when no theme took them. A theme left with no
   answers at all is archived as well; a kept theme whose label changes gets a
   ``relabelled`` event.
4. **Sentiment** (:func:`answer_sentiments`, before the themes): each answer
   is scored by :mod:`analysis.sentiment`'s model adapted to this deployment,
   with weak labels read from the answers' own NPS ratings in the light of what
   their question asks for (a promoter's "what should we fix?" is no praise),
   and flagged where its text contradicts its rating. Praise and problems are
   themed apart, so a theme holds one stance and its sentiment (the mean of its
   answers') says something.
5. It stores memberships, quotes and monthly counts, reopens resolved themes that
   keep growing, and gives each routed theme its department's least busy
   advocate as owner (a theme a person reassigned keeps their choice).

``assign_new_answers`` (``flask analyze --assign-new``) places answers that
arrived since into the existing themes with the stored model (route, then the
department's themes), embedding only those answers. It reads answers past the
run's cursor, inserts memberships with "on conflict do nothing" and recounts
only the themes and months it touched, so it is idempotent and safe to run every
minute, even twice at once.

The package, in the order a run uses it: :mod:`~cat_survey.analyze.scope` (which
answers), :mod:`~cat_survey.analyze.sentiment` (answer sentiment and stance),
:mod:`~cat_survey.analyze.fitting` (themes),
:mod:`~cat_survey.analyze.lineage` (identity), :mod:`~cat_survey.analyze.records`
(theme rows, memberships, counts), :mod:`~cat_survey.analyze.routing`
(departments), :mod:`~cat_survey.analyze.stored` (the stored run and model),
:mod:`~cat_survey.analyze.run` and :mod:`~cat_survey.analyze.assign` (the two
commands). Every name is re-exported here, so ``from cat_survey.analyze import
run_analysis`` keeps working.
"""

from cat_survey.analyze.assign import assign_new_answers
from cat_survey.analyze.fitting import (
    FittedThemes,
    RoutedPlacer,
    fit_themes,
    predict_themes,
    theme_representation,
)
from cat_survey.analyze.lineage import (
    MIN_CENTROID_SIMILARITY,
    MIN_KEPT_SHARE,
    Lineage,
    centroid_similarity,
    cosine,
    current_memberships,
    theme_lineage,
)
from cat_survey.analyze.records import (
    NAMED_SUCCESSORS,
    RETIRED_STATUSES,
    RunReport,
    archive_empty,
    membership_rows,
    notify_new_themes,
    recount,
    refresh_sizes_and_months,
    replace_links,
    retire,
    retire_discontinued,
    set_quotes,
    status_name,
    store_themes,
)
from cat_survey.analyze.routing import (
    ROUTING_SAMPLE,
    ThemeRoute,
    build_router,
    correction_ids,
    corrections,
    department_catalog,
    member_texts,
    route_themes,
    theme_route,
)
from cat_survey.analyze.run import run_analysis
from cat_survey.analyze.scope import (
    CHUNK,
    SETTLE,
    AnalysisError,
    Labels,
    Similarities,
    TextAnswer,
    find_survey,
    month_of,
    settled_cursor,
    text_answers,
)
from cat_survey.analyze.sentiment import (
    AnswerSentiment,
    answer_sentiments,
    rating_in_light,
    weak_label,
)
from cat_survey.analyze.stored import latest_run

__all__ = [
    "CHUNK",
    "MIN_CENTROID_SIMILARITY",
    "MIN_KEPT_SHARE",
    "NAMED_SUCCESSORS",
    "RETIRED_STATUSES",
    "ROUTING_SAMPLE",
    "SETTLE",
    "AnalysisError",
    "AnswerSentiment",
    "FittedThemes",
    "Labels",
    "Lineage",
    "RoutedPlacer",
    "RunReport",
    "Similarities",
    "TextAnswer",
    "ThemeRoute",
    "answer_sentiments",
    "archive_empty",
    "assign_new_answers",
    "build_router",
    "centroid_similarity",
    "correction_ids",
    "corrections",
    "cosine",
    "current_memberships",
    "department_catalog",
    "find_survey",
    "fit_themes",
    "latest_run",
    "member_texts",
    "membership_rows",
    "month_of",
    "notify_new_themes",
    "predict_themes",
    "rating_in_light",
    "recount",
    "refresh_sizes_and_months",
    "replace_links",
    "retire",
    "retire_discontinued",
    "route_themes",
    "run_analysis",
    "set_quotes",
    "settled_cursor",
    "status_name",
    "store_themes",
    "text_answers",
    "theme_lineage",
    "theme_representation",
    "theme_route",
    "weak_label",
]
