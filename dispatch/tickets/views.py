"""Ticket pages. Views stay thin: parse, call a service, render or redirect."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

bp = Blueprint("tickets", __name__)

# Where each role lands after signing in.
HOME = {
    "employee": "tickets.mine",
    "agent": "desk.queue",
    "technician": "desk.jobs",
    "dispatcher": "desk.inbox",
    "admin": "desk.inbox",
}


@bp.get("/")
@login_required
def home():
    return redirect(url_for(HOME.get(current_user.role, "tickets.mine")))
