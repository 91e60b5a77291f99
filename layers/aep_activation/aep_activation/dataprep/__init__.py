"""Adobe's Data Prep, as the new file-based cards use it: the client (:mod:`.client`), the
mapping set's shape (:mod:`.mapping`), finding or creating the schemas and the set
(:mod:`.ensure`), the EnsureMappingSet step (:mod:`.step`), and the attribute strategy of the
dataflow diff (:mod:`.attributes`).

Nothing is imported here: the dataflow diff imports :mod:`.mapping`, and
:mod:`.attributes` imports the dataflow diff back.
"""
