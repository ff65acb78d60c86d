"""Semantic versions and dependency ranges."""

from __future__ import annotations

import pytest

from officina.packs.versions import Version, VersionError, VersionRange


@pytest.mark.parametrize(
    ("wanted", "version", "accepted"),
    [
        (">=1.0, <2", "1.5.0", True),
        (">=1.0, <2", "2.0.0", False),
        (">=1.0 <2", "1.0.0", True),
        ("^1.2", "1.9.9", True),
        ("^1.2", "2.0.0", False),
        ("^1.2", "1.1.9", False),
        ("^0.2.1", "0.2.5", True),
        ("^0.2.1", "0.3.0", False),
        ("~1.2", "1.2.7", True),
        ("~1.2", "1.3.0", False),
        ("1.x", "1.4.2", True),
        ("1.2.*", "1.2.9", True),
        ("1.2.*", "1.3.0", False),
        ("*", "0.0.1", True),
        ("1.0.0", "1.0.0", True),
        ("1.0.0", "1.0.1", False),
        (">=1.0.0-beta", "1.0.0-alpha", False),
        (">=1.0.0-beta.2", "1.0.0-beta.10", True),
        ("!=1.1.0", "1.1.0", False),
    ],
)
def test_ranges(wanted, version, accepted):
    assert (Version.parse(version) in VersionRange.parse(wanted)) is accepted


def test_releases_sort_after_their_prereleases():
    assert Version.parse("1.0.0-rc.1") < Version.parse("1.0.0") < Version.parse("1.0.1")
    assert str(Version.parse("2.1.0-beta.3")) == "2.1.0-beta.3"


@pytest.mark.parametrize("bad", [">>1", "abc", "1.x.2", "1.0.0-", ""])
def test_bad_ranges_say_what_is_wrong(bad):
    if bad == "":
        assert VersionRange.parse(bad).bounds == ()
        return
    with pytest.raises(VersionError, match="is not a version|after a wildcard"):
        VersionRange.parse(bad)


@pytest.mark.parametrize("bad", ["1.0", "v1.0.0", "01.0.0", "1.0.0.0"])
def test_bad_versions(bad):
    with pytest.raises(VersionError, match="is not a version like '1.2.0'"):
        Version.parse(bad)
