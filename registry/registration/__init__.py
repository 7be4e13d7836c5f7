"""Registering works: everything from the bytes a registrant sends to the committed rows and log entry.

- ``article``: one article (plain text, HTML or Markdown): prepare (read, fingerprint, prior art,
  sign, store blobs), then commit through the log's sequencer.
- ``media``: one video or image: decode (in a child process when isolation is on), fingerprint,
  prior art, an embedded or detached manifest, commit; and matching a suspect video or image.
- ``bulk_import``: many article files at once, prepared in worker processes (``aigc-registry import``).
- ``article_input``: what an article's bytes are (text, HTML, Markdown) and the text registered from them.
- ``steps``: the steps every kind shares: who registers, the provenance record, refusing a duplicate,
  parent manifests, the rows one registration writes (``insert_rows``) and the text index's postings.
"""
