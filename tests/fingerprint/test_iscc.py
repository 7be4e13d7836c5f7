"""ISCC-CODEs (`fingerprint.iscc`): the codes iscc-sdk 0.9.7 gives the sample files (golden values
from docs/research/iscc-codes.md, where the SDK ran beside this code), the reading rules that make
them equal (Tika's replacements, the image normalisation), and codes and units read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageOps

from fingerprint.iscc import (
    IsccError,
    VideoSignatureError,
    article_iscc,
    file_iscc,
    has_signature_filter,
    image_iscc,
    is_iscc,
    start_signatures,
    text_for_iscc,
    units_of,
    video_iscc,
)
from fingerprint.iscc._video import parse_signature_file

from ..conftest import SAMPLES

MEDIA = SAMPLES / "media"


def _ffmpeg() -> str:
    import imageio_ffmpeg  # a dependency of the registry: its static FFmpeg has the signature filter

    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.mark.parametrize(("name", "title", "expected"), [
    # iscc-sdk 0.9.7 `code_iscc(file, name=title)`, run on these very files
    ("harbour-drone-pass.mp4", "Harbour at dusk, drone pass",
     "ISCC:KMC5DP7MP7K76MP36DFA7KCMAGNS3VPBTQ2BPXYSZWH4Q5YDDRML2DQ"),
    # no name given: the SDK takes the file's ("market-street-walk" -> "market street walk")
    ("market-street-walk.mp4", "market street walk",
     "ISCC:KMCWS236X3CVWJW2BO25EVVUWSEEN2E4T7YNKNSDY2VEOOVINGSPYFA"),
], ids=["harbour", "market-street"])
def test_a_videos_code_is_the_one_iscc_sdk_gives_it(name, title, expected):
    frames = start_signatures(MEDIA / name, _ffmpeg()).frames(timeout=120)
    assert len(frames) == 50 and all(len(f) == 380 and set(f) <= {0, 1, 2} for f in frames)  # 10 s at 5 fps
    assert video_iscc(MEDIA / name, title=title, frames=frames).code == expected


def test_the_sample_images_content_code_is_the_sdks_and_survives_borders_and_alpha(tmp_path):
    still = MEDIA / "market-street-still.jpg"
    code = image_iscc(still, title="Market street, still")
    assert code.content == "ISCC:EEAYFGGKS3LOK6E5"  # iscc-sdk 0.9.7's Image-Code of this file
    picture = Image.open(still).convert("RGB")
    ImageOps.expand(picture, border=24, fill=(255, 255, 255)).save(tmp_path / "framed.png")
    picture.convert("RGBA").save(tmp_path / "alpha.png")
    for variant in ("framed.png", "alpha.png"):
        assert image_iscc(tmp_path / variant, title="x").content == code.content, variant
    assert image_iscc(tmp_path / "framed.png", title="x").instance != code.instance  # other bytes


def test_an_unreadable_image_is_an_iscc_error(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(IsccError, match="broken.png"):
        image_iscc(tmp_path / "broken.png", title="x")


BODY = "Harbour board votes for ferry.\n\nThe second paragraph says more."


@pytest.mark.parametrize(("variant", "same"), [
    (BODY.replace("\n", "\r\n"), True),  # line endings: text_clean
    ("\ufeff" + BODY, True),  # a leading BOM: Tika drops it
    (BODY.replace("votes", "VOTES"), True),  # case: the Text-Code collapses it
    (BODY.replace("\n\n", "\n\n\n\n"), True),  # at most one empty line in a row
    (BODY.replace("votes", "vot\x07es"), False),  # a control character: Tika makes it U+FFFD, which counts
    (BODY.replace("ferry", "train"), False),
], ids=["crlf", "bom", "case", "blank-lines", "bel", "other-word"])
def test_the_text_code_reads_the_text_as_iscc_sdk_does(variant, same):
    original = article_iscc(BODY, title="t")
    assert (article_iscc(variant, title="t").content == original.content) is same
    assert text_for_iscc("a\x07b") == "a\ufffdb"


def test_an_articles_code_has_all_four_units_and_reads_back():
    code = article_iscc(BODY, title="Harbour board votes")
    assert code.code.startswith("ISCC:KA") and code.content.startswith("ISCC:EA")  # ISCC-TEXT-V0-MCDI
    assert units_of(code.code) == code.units
    assert article_iscc(BODY, title="Another title").meta != code.meta
    assert article_iscc(BODY, title="Another title").content == code.content


def test_without_a_content_code_the_code_has_meta_data_and_instance():
    code = file_iscc(MEDIA / "harbour-drone-pass.mp4", title="Harbour at dusk, drone pass")
    assert code.content is None and code.code.startswith("ISCC:KY")  # ISCC-NONE-V0-MDI
    assert units_of(code.code) == code.units


@pytest.mark.parametrize(("text", "expected"), [
    ("ISCC:EEAYFGGKS3LOK6E5", True),
    ("iscc:eeayfggks3lok6e5", True),  # any case
    ("EEAYFGGKS3LOK6E5", False),  # a search text needs the ISCC: prefix (a long word is a title)
    ("ISCC:STORMWARNINGS", False),  # base32, but no ISCC
    ("storm", False),
], ids=["unit", "lower-case", "no-prefix", "not-a-code", "word"])
def test_what_reads_as_an_iscc(text, expected):
    assert is_iscc(text) is expected


def test_a_bad_code_is_named():
    with pytest.raises(IsccError, match="not an ISCC code"):
        units_of("ISCC:STORMWARNINGS")


def test_ffmpeg_without_the_filter_or_failing_is_named(tmp_path):
    assert has_signature_filter(_ffmpeg())
    assert not has_signature_filter(str(tmp_path / "no-such-ffmpeg"))
    (tmp_path / "clip.mp4").write_bytes((MEDIA / "harbour-drone-pass.mp4").read_bytes()[:5000])  # truncated
    with pytest.raises(VideoSignatureError, match="ffmpeg could not"):
        start_signatures(tmp_path / "clip.mp4", _ffmpeg()).frames(timeout=60)
    with pytest.raises(VideoSignatureError, match="truncated"):
        parse_signature_file(b"\x00" * 10)


def test_the_signatures_run_beside_other_work_and_can_be_cancelled():
    running = start_signatures(MEDIA / "harbour-drone-pass.mp4", _ffmpeg())
    running.cancel()
    assert running.process.returncode is not None
    assert not Path(running.folder.name).exists()


def test_a_long_text_is_coded_in_a_child_process_with_the_same_result(monkeypatch):
    from fingerprint.errors import FingerprintError
    from fingerprint.iscc import _text

    text = BODY * 40 + "\u00e9t\u00e9 \u4e2d\u6587"
    here = _text.text_code(text)
    monkeypatch.setattr(_text, "INLINE_CHARS", 100)  # as if the text were over a million characters
    assert _text.text_code(text) == here
    with pytest.raises(FingerprintError, match="Text-Code of a"):
        _text.text_code(text, memory_mb=16)  # no Python starts in 16 MB of address space
