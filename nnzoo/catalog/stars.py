"""``nnzoo catalog refresh-stars``: new star snapshots from the GitHub REST API.

For each reference that already carries a snapshot (or, with ``all_github``, every
reference on github.com) it asks ``GET https://api.github.com/repos/{owner}/{repo}`` and
records the answer's ``stargazers_count`` with today's date (UTC) and the endpoint as the
source. It needs a network; it is never run by the tests or the builds (they call
:func:`refresh_stars` with a recorded answer in place of :func:`fetch_json`).

The result is a whole catalog that the caller writes where the user asked (the command's
``OUT`` file), after :func:`nnzoo.catalog.parse_catalog` has validated it: the packaged
``catalog.json`` is never rewritten in place.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from nnzoo.catalog import parse_catalog
from nnzoo.core.errors import UsageError

__all__ = ["API", "STARS_SOURCE", "api_url", "fetch_json", "refresh_stars"]

API = "https://api.github.com/repos/"
"""The GitHub REST endpoint of a repository, without ``owner/repo``."""

STARS_SOURCE = "GitHub REST API, GET /repos/{owner}/{repo}, stargazers_count"
"""The ``stars_source`` of a refreshed snapshot."""

_GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")

Fetch = Callable[[str], Any]


def api_url(repo: str) -> str | None:
    """The API URL of a ``https://github.com/owner/repo`` URL; None for any other URL."""
    m = _GITHUB.match(repo)
    return f"{API}{m.group(1)}/{m.group(2)}" if m else None


def fetch_json(url: str, timeout: float = 20.0) -> Any:
    """GET ``url`` from the GitHub API and decode the JSON answer.

    Sends ``$GITHUB_TOKEN`` as a bearer token when it is set (a higher rate limit).

    :raises UsageError: when the API cannot be reached or answers with an error.
    """
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
               "User-Agent": "nnzoo-refresh-stars"}
    token = os.environ.get("GITHUB_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        raise UsageError(f"the GitHub API answered {e.code} {e.reason} for {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise UsageError(f"cannot reach the GitHub API ({e}); refresh-stars needs a "
                         "network") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"the GitHub API answered {url} with something other than JSON "
                         f"({e})") from None


def refresh_stars(
    raw: Mapping[str, Any], *, fetch: Fetch | None = None, all_github: bool = False,
    today: datetime.date | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Return a copy of the decoded catalog with fresh snapshots, and one line per change.

    :param raw: the decoded ``catalog.json``.
    :param fetch: GETs an API URL and returns the decoded answer (default:
        :func:`fetch_json`, looked up at call time; a test passes a recorded answer).
    :param all_github: refresh every github.com reference, not only those with a snapshot.
    :param today: the snapshot date (default: today in UTC).
    :raises UsageError: when an answer has no ``stargazers_count``, or the API fails.
    :raises ValueError: when ``raw`` is not a valid catalog (before or after).
    """
    get = fetch if fetch is not None else fetch_json
    parse_catalog(raw)
    out = copy.deepcopy(dict(raw))
    day = (today or datetime.datetime.now(datetime.timezone.utc).date()).isoformat()
    answers: dict[str, int] = {}
    lines: list[str] = []
    for entry in out["entries"]:
        for ref in entry["references"]:
            url = api_url(ref["repo"])
            if url is None or ("stars" not in ref and not all_github):
                continue
            if url not in answers:
                answer = get(url)
                count = answer.get("stargazers_count") if isinstance(answer, Mapping) else None
                if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                    raise UsageError(f"the GitHub API's answer for {url} has no "
                                     "stargazers_count")
                answers[url] = count
            before = ref.get("stars")
            ref.update(stars=answers[url], stars_date=day, stars_source=STARS_SOURCE)
            lines.append(f"{entry['id']}: {ref['repo']}: {before if before is not None else '-'}"
                         f" -> {answers[url]} stars ({day})")
    parse_catalog(out)
    return out, lines
