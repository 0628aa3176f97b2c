"""Trusted reverse proxies: how many X-Forwarded-* hops the app believes."""

import pytest
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from cat_survey import create_app
from cat_survey.proxies import trusted_proxy_hops


@pytest.mark.parametrize(("value", "hops"), [(0, 0), (1, 1), ("2", 2)])
def test_the_number_of_trusted_proxies_is_read_from_config(value, hops):
    app = Flask(__name__)
    app.config["TRUSTED_PROXIES"] = value
    assert trusted_proxy_hops(app) == hops


@pytest.mark.parametrize("value", ["many", -1, None])
def test_a_bad_number_of_trusted_proxies_is_refused_with_its_name(value):
    app = Flask(__name__)
    app.config["TRUSTED_PROXIES"] = value
    with pytest.raises(ValueError, match="TRUSTED_PROXIES must be"):
        trusted_proxy_hops(app)


def test_the_environment_sets_the_trusted_proxies(monkeypatch, app):
    monkeypatch.setenv("CAT_SURVEY_TRUSTED_PROXIES", "1")
    settings = {k: v for k, v in app.config.items() if k != "TRUSTED_PROXIES"}
    behind = create_app(settings)
    assert behind.config["TRUSTED_PROXIES"] == 1
    assert isinstance(behind.wsgi_app, ProxyFix)
    assert not isinstance(app.wsgi_app, ProxyFix)  # the default trusts no header
