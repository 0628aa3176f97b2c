"""E-mail campaigns: the CX lead's pages, the unsubscribe page and the commands.

The rules live in ``cat_survey.domain.campaigns``; this package holds only what a
person reaches: ``views`` (staff), ``unsubscribe`` (customers), ``commands`` (CLI).
"""
