"""Compare a query video with a registered fingerprint: find how it was cropped or mirrored, then
the runs of frames that line up in time, as matched segments.

1. **Probes.** Every query picture gives the hashes of `query_hashes` (itself and its mirror; the
   whole picture and the centre under each crop hypothesis). The index returns the registered
   frames within ``PROBE_RADIUS`` of a crop probe or ``UNCROPPED_PROBE_RADIUS`` of an uncropped one:
   candidate works, and anchors (query frame, work frame, which view and hypothesis hit).
2. **Refinement.** A crop or a flip is the same on every frame, so one geometry is fitted per
   (query, work): at the time offsets the anchors point to, the view and crop hypothesis whose
   probes fit every query picture best (``MAX_FIT_OFFSETS``, costs capped at ``FIT_CAP``), then a
   finer local search (``_FINE_STEPS``, ``_FINE_SCALES``). A pan cropped off-centre fits as well a
   moment earlier or later cropped elsewhere: among fits within ``FIT_TIE`` of the best, the least
   off-centre crop is taken (the middle of the moments the copy can come from), and each segment
   reports the moments it fits as well under another crop (``Segment.crop_span``).
3. **Alignment.** With that geometry every query picture gets one centre hash; with the whole
   picture's hash (the better of the two per pair) this gives a query x work distance matrix. Pairs
   within ``FRAME_RADIUS`` vote for a time offset (work time - query time); around each well
   supported offset, matched frames that follow each other (gaps under ``MAX_GAP`` s) form a
   segment, kept if it has ``MIN_SEGMENT_FRAMES`` frames and ``MIN_SEGMENT_SECONDS`` of the query
   (an image: one picture, within ``IMAGE_RADIUS``)
   and, where things move, their motion hashes agree (``MOTION_RADIUS``; ``DISTINCT_MOTION_RADIUS``
   when the pictures alone place the segment): a fixed camera's later footage has the same pictures
   but not the same movement, and is refused. Where the pairs have
   no motion to compare, the segment must match its moment clearly better than other moments
   (``DISTINCT_MARGIN``), unless nothing moves at all, in the query's pictures nor in the work's
   frames: a clip of a still scene matches every moment of it alike, and is reported with the
   whole span it fits (``Segment.still_span``) instead of being refused.
4. **Score**: the share of the query's length the segments cover, times their similarity
   (1 - mean distance / 32).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from fingerprint.video._fingerprint import INTERVAL, Pictures, VideoFingerprint, motion_hashes
from fingerprint.video._hash import (
    CENTRE,
    CROP_HYPOTHESES,
    NO_MOTION,
    centred_grid,
    hash_pictures,
    query_hashes,
    whole_and_centre,
)
from fingerprint.video._index import hamming

PROBE_RADIUS = 5  # bits: search radius of crop-hypothesis probes (distances are even: 4 in effect)
UNCROPPED_PROBE_RADIUS = 8  # bits: the same for the uncropped whole and centre, 4 probes a picture
FRAME_RADIUS = 10  # bits: a query frame and a work frame match after refinement
IMAGE_RADIUS = 8  # bits: the same for a one-picture query (no time to confirm it)
MIN_SEGMENT_FRAMES = 3
MIN_SEGMENT_SECONDS = 2.0  # of the query: two thirds of the shortest clip (3 s) that must be found
MOTION_RADIUS = 9  # bits of 32: copies measure 3-5, other moments of the same fixed camera 15-19
#: ... unless the pictures alone place the segment (they match here clearly better than elsewhere):
#: then motion only has to not contradict it; a re-encoded night scene's noise puts a copy at 9-10
DISTINCT_MOTION_RADIUS = 12
MIN_MOTION_FRAMES = 1  # motion hash pairs needed before they can veto a segment
ELSEWHERE = 2.0  # seconds: without motion to compare, a segment must match better here than this far off
DISTINCT_MARGIN = 6  # bits: by this much, on average
MAX_GAP = 2.0  # seconds between matched frames inside one segment
OFFSET_TOLERANCE = INTERVAL * 1.01  # seconds: matched pairs this close to an offset belong to it

_VIEWS = 2  # the picture and its mirror
_PER_VIEW = 1 + len(CROP_HYPOTHESES)  # whole picture, then the centre under each hypothesis
MAX_FIT_OFFSETS = 4  # time offsets, most anchored first, at which a geometry is fitted
FIT_CAP = 16  # bits: a pair's cost in a fit is capped here
FIT_TIE = 2.0  # bits a pair on average: fits this close to the best one are as good
_FINE_STEPS = (-0.02, -0.01, 0.0, 0.01, 0.02)
_FINE_SCALES = (0.97, 1.0, 1.03)
MAX_CROP_SPAN = 4.0  # seconds either way a crop of a pan is looked for at other moments (Segment.crop_span)


@dataclass(frozen=True)
class Segment:
    query_start: float
    query_end: float
    work_start: float
    work_end: float
    distance: float  # mean Hamming distance of its matched frames
    motion: float | None = None  # mean distance of their motion hashes (32 bits), None if nothing moved
    #: a still scene (nothing moves in the copy nor in the work): the work's whole time range the copy
    #: matches as well as at (work_start, work_end), where it may come from; None otherwise
    still_span: tuple[float, float] | None = None
    #: a cropped copy of a moving camera (a pan): the work's time range over which the copy fits, under
    #: some other crop, as well as at (work_start, work_end), since a crop further along the pan shows
    #: the same pixels a moment earlier or later; None when no other moment fits as well
    crop_span: tuple[float, float] | None = None

    def to_dict(self) -> dict:
        out = {"query_start": round(self.query_start, 2), "query_end": round(self.query_end, 2),
               "work_start": round(self.work_start, 2), "work_end": round(self.work_end, 2)}
        for name in ("still_span", "crop_span"):
            span = getattr(self, name)
            if span is not None:
                out[name] = [round(span[0], 2), round(span[1], 2)]
        return out


@dataclass(frozen=True)
class VideoMatch:
    score: float
    segments: tuple[Segment, ...]
    mirrored: bool


@dataclass(frozen=True)
class Probes:
    """Every probe hash of a query, with the picture, view and region it came from."""

    hashes: np.ndarray  # uint64
    picture: np.ndarray  # index into Pictures.pictures
    view: np.ndarray  # 0 the picture, 1 its mirror
    region: np.ndarray  # 0 the whole picture, 1 + h the centre under CROP_HYPOTHESES[h]
    crop_every: int = 1  # pictures 0, k, 2k, ... have every crop hypothesis; the rest the uncropped ones

    @property
    def is_whole(self) -> np.ndarray:
        return self.region == 0

    @property
    def is_uncropped(self) -> np.ndarray:
        return self.region <= 1

    def per_picture(self) -> np.ndarray:
        """(pictures probed under every crop hypothesis, views x regions): row k is picture
        k * crop_every."""
        return self.hashes[self.picture % self.crop_every == 0].reshape(-1, _VIEWS * _PER_VIEW)


def probes(query: Pictures, crop_every: int = 1) -> Probes:
    """The probes of every picture: all of `query_hashes` for every `crop_every`-th picture, the
    uncropped whole and centre of both views for the others."""
    count = len(query.pictures)
    crops = np.arange(count) % crop_every == 0
    full = hash_pictures([p for p, c in zip(query.pictures, crops) if c], query_hashes)
    plain = hash_pictures([p for p, c in zip(query.pictures, crops) if not c], lambda s: query_hashes(s, crops=False))
    hashes, picture, view, region = [], [], [], []
    rows = {True: iter(full), False: iter(plain)}
    for i, cropped in enumerate(crops.tolist()):
        hashes.append(next(rows[cropped]))
        per_view = _PER_VIEW if cropped else 2
        picture.append(np.full(_VIEWS * per_view, i))
        view.append(np.repeat(np.arange(_VIEWS), per_view))
        region.append(np.tile(np.arange(per_view), _VIEWS))
    if not hashes:
        return Probes(np.zeros(0, np.uint64), *(np.zeros(0, np.int64) for _ in range(3)), crop_every)
    return Probes(*(np.concatenate(parts) for parts in (hashes, picture, view, region)), crop_every)


def _view(picture: np.ndarray, mirrored: bool) -> np.ndarray:
    return picture[:, ::-1] if mirrored else picture


def _pairs_at(query: Pictures, work: VideoFingerprint, offset: float) -> list[tuple[int, int]]:
    """(query picture, work frame) pairs if the query shows the work `offset` seconds further on."""
    pairs = []
    for q, t in enumerate(query.times):
        w = int(np.searchsorted(work.times, t + offset))
        near = [i for i in (w - 1, w) if 0 <= i < len(work.times)]
        if near:
            best = min(near, key=lambda i: abs(work.times[i] - t - offset))
            if abs(work.times[best] - t - offset) <= INTERVAL / 2 + 0.13:
                pairs.append((q, best))
    return pairs


def _coarse_geometry(query: Pictures, work: VideoFingerprint, anchors, found: Probes):
    """The view and probe region that fit best over every picture, at the anchors' likeliest
    offsets: (view, region, pairs). Costs are capped per pair, so frames between samples do not
    drown the rest."""
    every = found.crop_every
    per_picture = found.per_picture()
    offsets = Counter(round((work.times[w] - query.times[q]) / INTERVAL) for q, w, _, _ in anchors)
    fits = []  # (mean cost, view, region, pairs) of every fit near its offset's best
    for step, _ in offsets.most_common(MAX_FIT_OFFSETS):
        pairs = [(q, w) for q, w in _pairs_at(query, work, step * INTERVAL) if q % every == 0]
        if not pairs:
            continue
        q_idx, w_idx = (np.array(side) for side in zip(*pairs))
        hashes = per_picture[q_idx // every]  # (pairs, views x regions)
        targets = np.where(np.arange(hashes.shape[1]) % _PER_VIEW == 0, 0, 1)  # whole or centre
        stored = np.stack([work.whole[w_idx], work.centre[w_idx]], axis=1)[:, targets]
        cost = np.minimum(hamming(hashes, stored), FIT_CAP).sum(axis=0) / len(pairs)
        cost[::_PER_VIEW] = np.inf  # the whole picture says nothing of a crop: fit the centres
        for choice in np.flatnonzero(cost <= cost.min() + FIT_TIE).tolist():
            fits.append((float(cost[choice]), choice // _PER_VIEW, choice % _PER_VIEW, pairs))
    if not fits:
        return None
    # A pan cropped off-centre is the same picture as the pan a moment earlier or later cropped
    # elsewhere: among fits as good as the best, the least off-centre crop, whose moment is the
    # middle of those the crop could have come from.
    best = min(cost for cost, *_ in fits)
    return min((fit for fit in fits if fit[0] <= best + FIT_TIE),
               key=lambda fit: (_off_centre(fit[2]), fit[0]))[1:]


def _off_centre(region: int) -> float:
    x, y, _ = CROP_HYPOTHESES[region - 1]
    return abs(x - 0.5) + abs(y - 0.5)


def _fit_geometry(query: Pictures, work: VideoFingerprint, anchors: list[tuple[int, int, int, int]],
                  found: Probes | None = None):
    """The (mirrored, centre x, centre y, side) that best maps query centres onto the work's."""
    coarse = _coarse_geometry(query, work, anchors, found) if found is not None else None
    if coarse is not None:
        view, region, pairs = coarse
        chosen = pairs[:: max(1, len(pairs) // 12)][:12]
    else:
        votes = Counter((view, region) for _, _, view, region in anchors)
        centre_votes = Counter({key: n for key, n in votes.items() if key[1] > 0})
        view, region = (centre_votes or votes).most_common(1)[0][0]
        region = max(region, 1)  # only whole pictures matched: start from the uncropped centre
        chosen = [(q, w) for q, w, v, _ in anchors if v == view][:12]
    mirrored = bool(view)
    x, y, side = CROP_HYPOTHESES[region - 1]
    best, best_cost = (x, y, side), None
    views = [_view(query.pictures[q], mirrored) for q, _ in chosen]
    stored = work.centre[[w for _, w in chosen]]
    xs, ys = [x + dx for dx in _FINE_STEPS], [y + dy for dy in _FINE_STEPS]
    for scale in _FINE_SCALES:  # every (dy, dx) step of a scale, for every chosen picture, at once
        grids = hash_pictures(views, lambda stack: centred_grid(stack, xs, ys, side * scale).reshape(len(stack), -1))
        costs = np.minimum(hamming(grids, stored[:, None]), FIT_CAP).sum(axis=0).reshape(len(ys), len(xs))
        for (i, j), cost in np.ndenumerate(costs):  # in the order the steps were tried one by one
            if best_cost is None or cost < best_cost:
                best, best_cost = (x + _FINE_STEPS[j], y + _FINE_STEPS[i], side * scale), int(cost)
    return mirrored, best


def distance_matrix(query: Pictures, work: VideoFingerprint, mirrored: bool,
                    centre: tuple[float, float, float] = (0.5, 0.5, CENTRE)) -> np.ndarray:
    """Query x work Hamming distances: per pair the better of whole-picture and centre hashes."""
    hashes = hash_pictures([_view(picture, mirrored) for picture in query.pictures],
                           lambda stack: whole_and_centre(stack, centre)).reshape(-1, 2)
    whole, centres = hashes[:, 0], hashes[:, 1]
    by_whole = hamming(whole[:, None], work.whole[None, :])
    by_centre = hamming(centres[:, None], work.centre[None, :])
    return np.minimum(by_whole, by_centre).astype(np.int32)


def _segments(query: Pictures, work: VideoFingerprint, distances: np.ndarray, radius: int,
              min_frames: int, query_motion: np.ndarray) -> list[Segment]:
    q_idx, w_idx = np.nonzero(distances <= radius)
    if len(q_idx) == 0:
        return []
    offsets = work.times[w_idx] - query.times[q_idx]
    used_query: set[int] = set()
    found = []
    for bin_, support in _offsets_by_support(np.round(offsets / INTERVAL).astype(int), distances[q_idx, w_idx]):
        if support < min_frames:
            continue
        near = np.abs(offsets - bin_ * INTERVAL) <= OFFSET_TOLERANCE
        per_query: dict[int, tuple[int, int]] = {}
        for q, w in zip(q_idx[near].tolist(), w_idx[near].tolist()):
            if q in used_query:
                continue
            d = int(distances[q, w])
            if q not in per_query or d < per_query[q][1]:
                per_query[q] = (w, d)
        run: list[tuple[int, int, int]] = []
        for q in sorted(per_query):
            if run and query.times[q] - query.times[run[-1][0]] > MAX_GAP:
                found += _close_run(query, work, run, min_frames, used_query, query_motion, distances)
                run = []
            run.append((q, *per_query[q]))
        found += _close_run(query, work, run, min_frames, used_query, query_motion, distances)
    return sorted(found, key=lambda s: s.query_start)


def _offsets_by_support(bins: np.ndarray, pair_distances: np.ndarray) -> list[tuple[int, int]]:
    """(offset bin, matched pairs) by support, most first, where a pair supports its offset by how
    close it matches (``FRAME_RADIUS + 1 - distance``): a slow pan, a slow zoom or a still scene
    matches several offsets almost alike, and the one whose pairs match closest is where the copy
    is (counting pairs alone put 3 of 108 real copies 1-2 s off). Ties: the closest on average."""
    values, inverse, counts = np.unique(bins, return_inverse=True, return_counts=True)
    mean_distance = np.bincount(inverse.reshape(-1), weights=pair_distances) / counts
    weight = np.bincount(inverse.reshape(-1), weights=FRAME_RADIUS + 1 - pair_distances)
    order = np.lexsort((values, mean_distance, -weight))
    return [(int(values[i]), int(counts[i])) for i in order]


def _motion_distance(query_motion: np.ndarray, work: VideoFingerprint, run) -> float | None:
    pairs = [(query_motion[q], work.motion[w]) for q, w, _ in run
             if query_motion[q] != NO_MOTION and work.motion[w] != NO_MOTION]
    if len(pairs) < MIN_MOTION_FRAMES:
        return None
    q, w = (np.array(side, np.uint32) for side in zip(*pairs))
    return float(np.mean(np.bitwise_count(q ^ w)))


def _distinct_in_time(work: VideoFingerprint, distances: np.ndarray, run) -> bool:
    """Whether the run's query pictures match the work clearly better at the run's moments than at
    any moment ``ELSEWHERE`` seconds away (always true when the work has no such moment)."""
    matched, elsewhere = [], []
    for q, w, d in run:
        far = np.abs(work.times - work.times[w]) >= ELSEWHERE
        if far.any():
            matched.append(d)
            elsewhere.append(int(distances[q, far].min()))
    return not matched or float(np.mean(elsewhere)) - float(np.mean(matched)) >= DISTINCT_MARGIN


def _close_run(query: Pictures, work: VideoFingerprint, run, min_frames: int, used: set[int],
               query_motion: np.ndarray, distances: np.ndarray) -> list[Segment]:
    if len(run) < min_frames or len({w for _, w, _ in run}) < min_frames:
        return []  # too short: a segment spans min_frames query pictures and as many work frames
    query_step = float(np.median(np.diff(query.times))) if len(query.times) > 1 else 0.0
    if min_frames > 1 and query.times[run[-1][0]] + query_step - query.times[run[0][0]] < MIN_SEGMENT_SECONDS:
        return []  # under 2 s of the query: too little to tell a copy from a look-alike moment
    motion = _motion_distance(query_motion, work, run)
    if motion is not None and motion > MOTION_RADIUS and (
            motion > DISTINCT_MOTION_RADIUS or not _distinct_in_time(work, distances, run)):
        return []  # the pictures agree, what moves does not: another moment of the same view
    work_step = INTERVAL if len(work.times) > 1 else 0.0
    still_span = None
    if motion is None and not _distinct_in_time(work, distances, run):
        if not _still(query_motion, work, run):
            return []  # nothing moved to confirm it here, yet things move: another moment of the view
        still_span = _still_span(work, distances, run, work_step)  # a still scene: say where it fits
    used.update(q for q, _, _ in run)
    q_first, q_last = run[0][0], run[-1][0]
    w_first, w_last = run[0][1], run[-1][1]
    return [Segment(float(query.times[q_first]), float(query.times[q_last] + query_step),
                    float(work.times[w_first]), float(work.times[w_last] + work_step),
                    float(np.mean([d for _, _, d in run])), motion, still_span)]


def _with_crop_span(query: Pictures, work: VideoFingerprint, found: Probes, segment: Segment,
                    view: int) -> Segment:
    """`segment` with its ``crop_span``: the neighbouring offsets, step by step (one step's gap
    allowed) up to ``MAX_CROP_SPAN`` seconds either way, at which the segment's pictures fit the work
    under their best crop hypothesis within ``FIT_TIE`` of how they fit at the segment's own offset."""
    if segment.still_span is not None:
        return segment
    every = found.crop_every
    crops = found.per_picture()[:, view * _PER_VIEW + 1:(view + 1) * _PER_VIEW]  # the centre under each hypothesis
    inside = (query.times >= segment.query_start - 1e-6) & (query.times < segment.query_end - 1e-6)

    def cost(offset: float) -> float | None:
        pairs = [(q, w) for q, w in _pairs_at(query, work, offset) if q % every == 0 and inside[q]]
        if len(pairs) < MIN_SEGMENT_FRAMES:
            return None
        q_idx, w_idx = (np.array(side) for side in zip(*pairs))
        fits = np.minimum(hamming(crops[q_idx // every], work.centre[w_idx][:, None]), FIT_CAP)
        return float(fits.sum(axis=0).min()) / len(pairs)

    offset = segment.work_start - segment.query_start
    here = cost(offset)
    if here is None:
        return segment
    reach = int(round(MAX_CROP_SPAN / INTERVAL))
    ends = []
    for direction in (-1, 1):
        last = 0
        for step in range(1, reach + 1):
            fit = cost(offset + direction * step * INTERVAL)
            if fit is not None and fit <= here + FIT_TIE:
                last = step
            elif step - last > 1:
                break
        ends.append(direction * last)
    if ends == [0, 0]:
        return segment
    span = (max(0.0, segment.work_start + ends[0] * INTERVAL),
            min(float(work.times[-1]) + INTERVAL, segment.work_end + ends[1] * INTERVAL))
    return replace(segment, crop_span=span)


def _still(query_motion: np.ndarray, work: VideoFingerprint, run) -> bool:
    """Whether nothing moves in the run's query pictures nor in the work frames they match."""
    return all(query_motion[q] == NO_MOTION and work.motion[w] == NO_MOTION for q, w, _ in run)


def _still_span(work: VideoFingerprint, distances: np.ndarray, run, work_step: float) -> tuple[float, float]:
    """The work's time range around the run, frame by frame, where the run's query pictures match
    on average within ``DISTINCT_MARGIN`` of how they match at the run's own frames: a still
    scene's copy is consistent with any moment of it."""
    queries = [q for q, _, _ in run]
    fit = distances[queries].mean(axis=0)
    limit = float(np.mean([d for _, _, d in run])) + DISTINCT_MARGIN
    first, last = run[0][1], run[-1][1]
    while first > 0 and fit[first - 1] <= limit:
        first -= 1
    while last + 1 < len(work.times) and fit[last + 1] <= limit:
        last += 1
    return float(work.times[first]), float(work.times[last] + work_step)


def compare(query: Pictures, work: VideoFingerprint, anchors: list[tuple[int, int, int, int]],
            found: Probes | None = None) -> VideoMatch | None:
    """Match `query` against one registered `work`, given the probe anchors the index found
    (query picture, work frame, view, region) and, if at hand, the query's probes (they let the
    geometry be fitted over every picture); None when nothing lines up."""
    if not anchors or len(work) == 0 or not query.pictures:
        return None
    mirrored, centre = _fit_geometry(query, work, anchors, found)
    distances = distance_matrix(query, work, mirrored, centre)
    one_picture = len(query.pictures) == 1 or len(work) == 1
    radius, min_frames = (IMAGE_RADIUS, 1) if one_picture else (FRAME_RADIUS, MIN_SEGMENT_FRAMES)
    query_motion = motion_hashes(query, centre, mirrored)
    segments = _segments(query, work, distances, radius, min_frames, query_motion)
    if not segments:
        return None
    if found is not None and not one_picture:
        segments = [_with_crop_span(query, work, found, segment, int(mirrored)) for segment in segments]
    similarity = 1.0 - float(np.mean([s.distance for s in segments])) / 32.0
    if one_picture:
        coverage = 1.0
    else:
        covered = sum(s.query_end - s.query_start for s in segments)
        coverage = min(1.0, covered / max(query.duration, 1e-6))
    return VideoMatch(round(max(0.0, min(1.0, coverage * similarity)), 4), tuple(segments), mirrored)
