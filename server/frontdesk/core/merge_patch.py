"""JSON Merge Patch (RFC 7396), for PATCH /api/v1/widgets/{widget}.

A patch that is an object changes only the members it names: `null` removes a member (so a
widget setting takes its default again), an object is merged into the member recursively,
anything else (arrays included) replaces it. A patch that is not an object replaces the whole
target (RFC 7396 section 2); the route refuses such bodies before calling this.
"""

from __future__ import annotations

from collections.abc import Mapping


def merge_patch(target: object, patch: object) -> object:
    """The target with the patch applied; neither argument is changed."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
