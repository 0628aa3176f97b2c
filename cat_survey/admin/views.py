"""The admin screens under /admin: staff accounts and departments, all audited."""

from flask import Blueprint, render_template

from cat_survey.auth.access import roles_required
from cat_survey.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@roles_required(Role.ADMIN)
def users():
    """Every staff account with its role, department and state."""
    return render_template("admin/users.html")
