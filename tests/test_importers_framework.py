"""What every importer gets for free: archives, detection, lone files, hashed ids."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.canonical import read_canonical, write_canonical
from rapport.canonical.ids import hashed_interaction_id
from rapport.errors import UnreadableFile, UsageError
from rapport.importers import ImportOptions, KnownAccount, detect, importers, run
from rapport.importers import _base as registry
from rapport.importers._archive import find_files, opened
from tests.conftest import build_tables, invoke
from tests.importer_support import assert_refused, rows, zip_folder
from tests.test_metrics_foundation import HAND_BUILT


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    write_canonical(build_tables(HAND_BUILT), folder)
    return folder


def test_a_zip_a_tar_gz_and_a_folder_import_the_same(
    tmp_path: Path, export: Path, cli: CliRunner
) -> None:
    zipped = zip_folder(export, tmp_path / "export.zip", inside="rapport-export")
    tarred = tmp_path / "export.tar.gz"
    with tarfile.open(tarred, "w:gz") as archive:
        archive.add(export, arcname="top")
    results = []
    for source in (export, zipped, tarred):
        ws = tmp_path / f"ws-{source.name}"
        result = invoke(cli, "import", source, "--workspace", ws)
        assert result.exit_code == 0, result.output
        results.append(rows(ws, "posts"))
    assert results[0] == results[1] == results[2]
    assert len(results[0]) == 9


def test_archive_members_may_not_escape(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../outside.txt", "nope")
    with pytest.raises(UnreadableFile, match="points outside the archive"), opened(evil):
        pass
    assert not (tmp_path.parent / "outside.txt").exists()


def test_a_damaged_zip_is_refused(tmp_path: Path, export: Path, cli: CliRunner) -> None:
    zipped = zip_folder(export, tmp_path / "export.zip")
    data = zipped.read_bytes()
    zipped.write_bytes(data[:30] + b"\x00" * 200 + data[230:])
    ws = tmp_path / "ws"
    invoke(cli, "init", "--workspace", ws)
    assert_refused(cli, ws, "import", zipped, expect="export.zip")


def test_unpacked_archives_are_cleaned_up(tmp_path: Path, export: Path) -> None:
    zipped = zip_folder(export, tmp_path / "export.zip")
    with opened(zipped) as root:
        assert (root / "manifest.json").exists()
        kept = root
    assert not kept.exists()


def test_find_files_looks_inside_top_folders(tmp_path: Path) -> None:
    (tmp_path / "twitter-2026" / "data").mkdir(parents=True)
    (tmp_path / "twitter-2026" / "data" / "tweets.js").write_text("x")
    (tmp_path / "twitter-2026" / "data" / "tweets-part1.js").write_text("x")
    found = find_files(tmp_path, ("tweets.js", "tweets-part*.js"))
    assert [p.name for p in found] == ["tweets-part1.js", "tweets.js"]


def test_detection_refuses_what_nobody_recognises(tmp_path: Path, cli: CliRunner) -> None:
    unknown = tmp_path / "notes.txt"
    unknown.write_text("dear diary")
    result = invoke(cli, "import", unknown, "--workspace", tmp_path / "ws")
    assert result.exit_code == 2
    assert "nothing it recognises" in result.stderr and "--as FORMAT" in result.stderr


def test_a_tie_asks_for_as(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    twins = {
        name: registry.Importer(name, "test", lambda path: 0.5, lambda path, options: None)  # type: ignore[arg-type,return-value]
        for name in ("alpha", "beta")
    }
    monkeypatch.setattr(registry, "_REGISTRY", twins)
    with pytest.raises(UsageError, match=r"could be alpha or beta; name the format$") as caught:
        detect(tmp_path)
    assert caught.value.option == "format"


def test_every_importer_is_registered_with_a_description() -> None:
    for importer in importers():
        assert importer.description.strip(), importer.name


def test_a_lone_file_goes_to_the_only_own_account() -> None:
    x_shop = KnownAccount("x", "shop", "x:42")
    options = ImportOptions(own_accounts=(x_shop, KnownAccount("bluesky", "shop.example")))
    assert options.own_account("x", file="tweets.js") == x_shop
    assert (
        ImportOptions(account="@Shop", own_accounts=(x_shop,)).own_account("x", file="tweets.js")
        == x_shop
    )
    assert ImportOptions(account="other").own_account("x", file="tweets.js") == KnownAccount(
        "x", "other"
    )
    with pytest.raises(
        UsageError, match=r"no own x account yet; give the handle of the account it belongs to$"
    ) as caught:
        ImportOptions().own_account("x", file="tweets.js")
    assert caught.value.option == "account"
    several = ImportOptions(own_accounts=(x_shop, KnownAccount("x", "cafe")))
    with pytest.raises(UsageError, match=r"several own x accounts \(cafe, shop\)"):
        several.own_account("x", file="tweets.js")


def test_hashed_ids_are_stable_and_distinct() -> None:
    like = hashed_interaction_id("x", "like", "x:7", "x:100")
    assert like == hashed_interaction_id("x", "like", "x:7", "x:100")
    assert like.startswith("x:like-")
    assert like != hashed_interaction_id("x", "repost", "x:7", "x:100")
    assert like != hashed_interaction_id("x", "like", "x:8", "x:100")


def test_run_reads_through_archives(tmp_path: Path, export: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(export, arcname="wrapped")
    target = tmp_path / "data.tgz"
    target.write_bytes(buffer.getvalue())
    batch = run(target)
    assert batch.tables["posts"].num_rows == read_canonical(export).tables["posts"].num_rows
