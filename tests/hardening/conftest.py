"""What the attack tests share: the state that must not change when an attack is refused."""

import pytest

from tests.restore.helpers import stored_files, whole_dump


@pytest.fixture
def state(storage_root):
    """Every record (jobs aside) and every stored file, to compare before and after."""

    def snapshot():
        return whole_dump(exclude_jobs=True), stored_files(storage_root)

    return snapshot
