"""Soft bindings: the ``c2pa.soft-binding`` assertion every manifest carries (`bindings`), the
manifest labels that name manifests (`labels`), and the C2PA Soft Binding Resolution API's use
cases over them (`resolution`; ADR 16)."""
