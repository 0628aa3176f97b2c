"""The application factory and its configuration order."""

from pathlib import Path

import pytest

from cat_survey import create_app


def test_factory_accepts_test_config(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret-key"


def test_health_check_reaches_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_instance_folder_and_secret_key_are_created_on_first_run(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert len(app.config["SECRET_KEY"]) == 64
    assert key_file.stat().st_mode & 0o077 == 0
    again = create_app({"INSTANCE_PATH": str(instance)})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_two_installations_get_different_secret_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path / "a")})
    second = create_app({"INSTANCE_PATH": str(tmp_path / "b")})
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]


def test_database_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri == f"sqlite:///{tmp_path / 'cat_survey.sqlite'}"


@pytest.mark.parametrize(
    ("instance_file", "env", "expected"),
    [
        (None, {}, "http://127.0.0.1:5000"),
        ("BASE_URL = 'https://from-file'\n", {}, "https://from-file"),
        (
            "BASE_URL = 'https://from-file'\n",
            {"CAT_SURVEY_BASE_URL": "https://from-env"},
            "https://from-env",
        ),
    ],
)
def test_config_order_is_defaults_then_instance_file_then_environment(
    tmp_path: Path, monkeypatch, instance_file, env, expected
):
    if instance_file:
        (tmp_path / "config.py").write_text(instance_file)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["BASE_URL"] == expected


def test_database_url_and_secret_key_come_from_the_environment(tmp_path, monkeypatch):
    # The app builds its engine at once, which needs the PostgreSQL driver (an extra).
    pytest.importorskip("psycopg")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1/db")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SECRET_KEY"] == "from-env"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text
