"""Error pages: every failure a person can cause gets a clear page, never a trace."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors as JSON under /api and as a friendly page elsewhere."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            body = {"error": {"status": error.code, "message": error.description}}
            return jsonify(body), error.code
        return render_template("error.html", error=error), error.code
