"""The shipped definitions are found through the ``surveys`` package, from anywhere."""

from analysis.catalog import default_catalog_path
from cat_survey import create_app
from surveys import departments_file, surveys_dir


def test_the_shipped_files_are_in_the_package_folder():
    names = {path.name for path in surveys_dir().glob("*.yaml")}
    assert {"departments.yaml", "relationship-nps.yaml"} <= names
    assert departments_file().is_file()


def test_the_app_and_the_analysis_find_the_same_files_from_any_directory(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no surveys/ here: the shipped files must be used
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path)}
    )
    assert app.config["SURVEYS_DIR"] == str(surveys_dir())
    assert app.config["DEPARTMENTS_FILE"] == str(departments_file())
    assert default_catalog_path() == departments_file()
