"""The C2PA manifest definition of an AI-generated work, and the way back from a manifest to the record.

:func:`manifest_definition` turns an :class:`~provenance.record.AIProvenance` (plus the work id,
its parents as ingredients and the labelling assertions) into the JSON definition c2pa's
``Builder`` signs. :func:`claims_of` reads the same facts back out of a manifest (from the reader
JSON), so ``claims_of(signed).record == record``. The manifest (C2PA 2.x, claim v2, no thumbnail):

- ``title``: the record's title, else the work id; ``format``: the media type.
- ``c2pa.actions.v2``:
  - an original work: ``c2pa.created`` with ``digitalSourceType`` ``trainedAlgorithmicMedia``
    and ``softwareAgent`` ``{name: model_name, version: model_version}``, then the record's
    edit actions;
  - a derivative: ``c2pa.opened`` (the first parent), ``c2pa.placed`` (any further parents),
    the record's edit actions, then ``c2pa.edited`` carrying the digital source type and the
    software agent. C2PA allows one ``created``/``opened`` action, first, and ``created`` may not
    coexist with a parent ingredient.
- ingredients: the first parent ``parentOf``, any further parents ``componentOf`` (C2PA allows
  one ``parentOf``; c2pa-rs refuses a second with ``manifest.multipleParents``).
- ``cawg.training-mining`` and ``org.aigc-registry.gb45438`` (see :mod:`provenance.assertions`);
  ``c2pa.soft-binding`` when the caller gives one (the registry does for videos and images).
- ``org.aigc-registry.ai-generation`` (custom): ``{"work_id", "provenance": AIProvenance.to_dict(),
  "parents": [{"work_id", "content_sha256", "manifest", "relationship"}]}``.

>>> from provenance.record import AIProvenance
>>> definition = manifest_definition(AIProvenance("gpt-x", "1"), work_id="w-1", media_type="image/png")
>>> [action["action"] for action in definition["assertions"][0]["data"]["actions"]]
['c2pa.created']
>>> claims_of({"assertions": definition["assertions"]}).record == AIProvenance("gpt-x", "1")
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from provenance import _c2pa
from provenance.assertions import (
    IMPLICIT_LABEL_LABEL,
    TRAINING_MINING_LABEL,
    ImplicitLabel,
    SoftBinding,
    TrainingMining,
)
from provenance.errors import InvalidRecordError
from provenance.record import AIProvenance, ParentManifest


@dataclass(frozen=True)
class ParentIngredient:
    """A validated parent, ready to go into a manifest: its ingredient definition and its facts."""

    parent: ParentManifest
    active_manifest: str
    validation_results: Mapping[str, Any]
    index: int

    @property
    def label(self) -> str:
        return ingredient_id(self.index)

    @property
    def relationship(self) -> str:
        return "parentOf" if self.index == 0 else "componentOf"

    def definition(self) -> dict[str, Any]:
        return {
            "title": self.parent.title,
            "format": self.parent.media_type,
            "relationship": self.relationship,
            "label": self.label,
            "active_manifest": self.active_manifest,
            "manifest_data": {"format": _c2pa.MANIFEST_STORE_FORMAT, "identifier": resource_id(self.index)},
            "validation_results": dict(self.validation_results),
        }


@dataclass(frozen=True)
class ManifestClaims:
    """What a manifest claims about a work (not whether to believe it: see :mod:`provenance.verify`)."""

    record: AIProvenance | None
    work_id: str | None
    parents: tuple[dict[str, Any], ...]
    training_mining: dict[str, Any] | None
    implicit_label: dict[str, Any] | None
    actions: tuple[dict[str, Any], ...]


def manifest_definition(
    record: AIProvenance,
    *,
    work_id: str,
    media_type: str = _c2pa.TEXT_FORMAT,
    generator: Mapping[str, str] | None = None,
    parents: Sequence[ParentIngredient] = (),
    training_mining: TrainingMining | None = None,
    implicit_label: ImplicitLabel | None = None,
    soft_bindings: Sequence[SoftBinding] = (),
) -> dict[str, Any]:
    """The c2pa ``Builder`` definition for one work (see the module docstring for its layout)."""
    if not isinstance(record, AIProvenance):
        raise InvalidRecordError(f"record must be an AIProvenance, got {type(record).__name__}")
    assertions: list[dict[str, Any]] = [
        {"label": _c2pa.ACTIONS_LABEL, "data": {"actions": actions_of(record, len(parents))}},
        (training_mining or TrainingMining.uniform()).to_assertion(),
    ]
    if implicit_label is not None:
        assertions.append(implicit_label.to_assertion())
    assertions.extend(binding.to_assertion() for binding in soft_bindings)
    assertions.append(
        {
            "label": _c2pa.AI_ASSERTION_LABEL,
            "data": {
                "work_id": work_id,
                "provenance": record.to_dict(),
                "parents": [
                    {
                        "work_id": p.parent.work_id,
                        "content_sha256": p.parent.content_sha256,
                        "manifest": p.active_manifest,
                        "relationship": p.relationship,
                    }
                    for p in parents
                ],
            },
        }
    )
    return {
        "claim_generator_info": [dict(generator or {"name": "aigc-registry"})],
        "title": record.title or work_id,
        "format": media_type,
        "ingredients": [p.definition() for p in parents],
        "assertions": assertions,
    }


def actions_of(record: AIProvenance, parent_count: int) -> list[dict[str, Any]]:
    """The ``c2pa.actions.v2`` list: how the work came to be, first action first."""
    when = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    agent = {"name": record.model_name}
    if record.model_version:
        agent["version"] = record.model_version
    generated = {"digitalSourceType": _c2pa.TRAINED_ALGORITHMIC_MEDIA, "softwareAgent": agent, "when": when}
    edits = [_edit_action(action, when) for action in record.edit_actions]
    if parent_count == 0:
        return [{"action": "c2pa.created", **generated}, *edits]
    actions: list[dict[str, Any]] = [
        {"action": "c2pa.opened", "parameters": {"ingredientIds": [ingredient_id(0)]}, "when": when}
    ]
    if parent_count > 1:
        placed = [ingredient_id(i) for i in range(1, parent_count)]
        actions.append({"action": "c2pa.placed", "parameters": {"ingredientIds": placed}, "when": when})
    return [*actions, *edits, {"action": "c2pa.edited", **generated}]


def claims_of(manifest: Mapping[str, Any]) -> ManifestClaims:
    """Read a manifest's claims from its reader JSON (one entry of the store's ``manifests``)."""
    custom = _c2pa.assertion_data(manifest, _c2pa.AI_ASSERTION_LABEL)
    record: AIProvenance | None = None
    work_id: str | None = None
    parents: tuple[dict[str, Any], ...] = ()
    if isinstance(custom, Mapping):
        work_id = custom.get("work_id") if isinstance(custom.get("work_id"), str) else None
        try:
            record = AIProvenance.from_dict(custom["provenance"])
        except (KeyError, InvalidRecordError):
            record = None
        raw_parents = custom.get("parents")
        if isinstance(raw_parents, list):
            parents = tuple(p for p in raw_parents if isinstance(p, Mapping))
    actions = tuple((_c2pa.assertion_data(manifest, _c2pa.ACTIONS_LABELS) or {}).get("actions") or ())
    training = _c2pa.assertion_data(manifest, TRAINING_MINING_LABEL)
    label = _c2pa.assertion_data(manifest, IMPLICIT_LABEL_LABEL)
    return ManifestClaims(
        record=record,
        work_id=work_id,
        parents=parents,
        training_mining=training if isinstance(training, dict) else None,
        implicit_label=(label.get("AIGC") if isinstance(label, dict) and isinstance(label.get("AIGC"), dict) else None),
        actions=actions,
    )


def ingredient_id(index: int) -> str:
    return f"parent-{index}"


def resource_id(index: int) -> str:
    return f"parent-{index}.c2pa"


def _edit_action(action: Any, when: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"action": action.action, "when": when}
    if action.description:
        entry["description"] = action.description
    if action.editor:
        entry["parameters"] = {"editor": action.editor}
    return entry
