"""`import_articles`: the bulk path gives each file what `register_article` gives it, or its error."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from registry.registration.bulk_import import article_files, import_articles
from registry.errors import ConflictError, InvalidInputError, PayloadTooLargeError
from registry.models import LogEntry, Work
from registry.registration.article import register_article
from registry.requests import RegistrationRequest
from registry.statement import RegistrationStatement
from registry.tlog.receipt import Receipt, verify_receipt

REQUEST = RegistrationRequest(model="newsroom-llm", model_version="4")


def _article(number: int) -> str:
    return (f"Council report number {number}\n\n"
            + " ".join(f"Paragraph {number}-{i} says the council met and voted on item {number * 31 + i} "
                       f"of the agenda before the ward {i} residents." for i in range(12)) + "\n")


def test_article_files_takes_named_files_and_the_articles_of_folders(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / ".git").mkdir()
    for name in ("a/2.txt", "a/1.md", "a/b/3.HTML", "a/cover.jpg", "a/.hidden.txt", "a/.git/x.txt",
                 "a/1.md.receipt", "named.data"):
        (tmp_path / name).write_text("x")
    found = article_files([tmp_path / "a", tmp_path / "named.data"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a/1.md", "a/2.txt", "a/b/3.HTML", "named.data"]
    with pytest.raises(InvalidInputError, match="no such file or folder"):
        article_files([tmp_path / "missing"])


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_file_registered_or_refused_alone(registry, tmp_path, jobs):
    earlier = register_article(registry, _article(0).encode(), REQUEST)
    files = []
    for number in range(1, 9):
        files.append(tmp_path / f"{number}.txt")
        files[-1].write_text(_article(number))
    (tmp_path / "again.txt").write_text(_article(0))  # registered before the import
    (tmp_path / "twin.txt").write_text(_article(3))  # the same as a file of the import
    (tmp_path / "huge.txt").write_bytes(b"x" * (registry.settings.max_article_bytes + 1))
    files += [tmp_path / "again.txt", tmp_path / "twin.txt", tmp_path / "huge.txt"]

    seen = []
    summary = import_articles(registry, files, REQUEST, jobs=jobs, on_imported=seen.append)

    assert (summary.registered, summary.failed) == (8, 3)
    assert sorted(i.path.name for i in seen) == sorted(p.name for p in files)
    errors = {i.path.name: i.error for i in seen if i.error is not None}
    assert isinstance(errors.pop("huge.txt"), PayloadTooLargeError)
    again = errors.pop("again.txt")  # refused in the worker: the error crosses the process with its details
    assert isinstance(again, ConflictError) and again.details["work_id"] == earlier.work_id
    [(twin, error)] = errors.items()  # whichever of the two came second
    assert twin in ("twin.txt", "3.txt") and isinstance(error, ConflictError)

    results = [i.result for i in seen if i.result is not None]
    assert sorted(r.log_index for r in results) == list(range(1, 9))
    with registry.db.reading() as session:
        for result in results:
            leaf = registry.log.entry(session, result.log_index).leaf
            assert RegistrationStatement.from_leaf(leaf).work_id == result.work_id
            verify_receipt(Receipt.from_text(result.receipt), leaf, registry.keys.log_verifier,
                           origin=registry.settings.log_origin)
        assert session.exec(select(func.count()).select_from(Work)).one() == 9
        assert session.exec(select(func.count()).select_from(LogEntry)).one() == 9
    assert all(r.title.startswith("Council report number") for r in results)


def test_a_request_every_file_would_fail_stops_before_any_file(registry, tmp_path):
    (tmp_path / "a.txt").write_text(_article(1))
    seen = []
    with pytest.raises(InvalidInputError, match="model is required"):
        import_articles(registry, [tmp_path / "a.txt"], RegistrationRequest(), on_imported=seen.append)
    assert seen == []
