"""The 32x32 grey pixels an ISCC Image-Code hashes, the way iscc-sdk 0.9.7 prepares an image
(``image_normalize``): the first frame, turned by its EXIF orientation, transparency filled with
white, uniform borders trimmed (tolerant trim: within 16 levels of the top-left pixel, up to 16
passes, a one-sided cut only for a flat band), grey, resized bicubically to 32x32. Measured against
iscc-sdk on 24 images (orientations, alpha, palettes, 1/8/16-bit, CMYK, borders, animation): the
same pixels for all (docs/research/iscc-codes.md).
"""

from __future__ import annotations

from pathlib import Path

import iscc_lib
from PIL import Image, ImageOps

WHITE = (255, 255, 255)
TRIM_TOLERANCE = 16
TRIM_PASSES = 16


def _on_white(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA"):
        background = Image.new("RGB", img.size, WHITE)
        background.paste(img, mask=img.getchannel("A"))
        return background
    return img.convert("RGB")


def _content_box(img: Image.Image, tolerance: int) -> tuple[int, int, int, int] | None:
    """The box of the pixels further than `tolerance` from the top-left pixel in some channel."""
    reference = img.getpixel((0, 0))
    reference = reference if isinstance(reference, tuple) else (reference,)
    table = [255 if abs(value - channel) > tolerance else 0 for channel in reference for value in range(256)]
    return img.point(table).getbbox()


def _trim_borders(img: Image.Image) -> Image.Image:
    for _ in range(TRIM_PASSES):
        box = _content_box(img, TRIM_TOLERANCE)
        if box is None or box == (0, 0) + img.size:
            break
        width, height = img.size
        sides = (box[0] > 0) + (box[1] > 0) + (box[2] < width) + (box[3] < height)
        if sides == 1 and _content_box(img, TRIM_TOLERANCE // 2) != box:  # a gradient, not a band
            break
        img = img.crop(box)
    return img


def image_pixels(path: Path) -> bytes:
    """The 1,024 grey values (row by row) of the image at `path`, as iscc-sdk 0.9.7 hashes them."""
    with Image.open(path) as img:
        img.seek(0)
        prepared = _trim_borders(_on_white(ImageOps.exif_transpose(img)))
        return prepared.convert("L").resize((32, 32), Image.Resampling.BICUBIC).tobytes()


def image_code(path: Path) -> str:
    """The 64-bit ISCC Image-Code unit of the image at `path` (``ISCC:EE...``)."""
    return iscc_lib.gen_image_code_v0(image_pixels(path), bits=64)["iscc"]
