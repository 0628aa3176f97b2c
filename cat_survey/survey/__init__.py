"""The customer's pages: public and invitation links, one question at a time.

The flow engine and the response writer these pages call live in
``cat_survey.domain``; this file imports nothing, so loading any module of the
package does not load its views (``create_app`` registers ``views.bp``).
"""
