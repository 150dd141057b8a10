"""Static files in production: WhiteNoise's compressed files with hashed names, without
following source maps.

The vendored front-end libraries are copied as published (static/vendor/README.md), ending in a
`sourceMappingURL` comment whose map is not shipped. Django's manifest storage rewrites those
comments and stops `collectstatic` with MissingFileError when the map is absent; a map is only
ever fetched by a browser's developer tools, so such comments are left as they are."""

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns: Any) -> tuple:
    def is_source_map(pattern: Any) -> bool:
        return "sourceMappingURL" in (pattern if isinstance(pattern, str) else pattern[0])

    return tuple((glob, tuple(p for p in entries if not is_source_map(p))) for glob, entries in patterns)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
