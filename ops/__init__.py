"""Operations scripts (load.py, db_fault.py) and the helpers that bench/ and .ci/run share.

Nothing here may import a third-party package at import time: .ci/run starts PostgreSQL
with `python3 -m ops.pg` before `make test` has made the virtualenv.
"""
